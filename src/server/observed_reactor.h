#pragma once

#include <grpcpp/support/server_callback.h>

#include <string>

#include "absl/strings/string_view.h"
#include "observability/call_observer.h"

namespace warden::server {

// The reactor of Warden's unary handlers: it reports the call to its method's observers itself
// (metrics, access log and spans, reset budget), so no grpc++ interceptor runs on the call
// (observability/call_observer.h). Finish the call with Complete, never with Finish.
class ObservedUnaryReactor final : public grpc::ServerUnaryReactor {
 public:
  // `observers` may be null (nothing observes this method); both outlive the call.
  ObservedUnaryReactor(const observability::MethodObservers* observers,
                       const grpc::CallbackServerContext& context)
      : observers_(observers != nullptr && !observers->empty() ? observers : nullptr),
        call_(observers_ != nullptr ? absl::string_view(observers_->method()) : absl::string_view(),
              &context) {
    const auto& metadata = context.client_metadata();
    if (auto it = metadata.find("traceparent"); it != metadata.end()) {
      call_.ReadTraceparent(absl::string_view(it->second.data(), it->second.size()));
    }
    if (observers_ != nullptr) {
      observers_->Start(call_);
      observers_->Received();  // a unary handler runs once its request has arrived
    }
  }

  // Reports the call, then finishes it: `principal` names the caller in the access log (a user
  // id, or "<kind>:<id>"). The reactor may be gone once this returns.
  void Complete(const grpc::Status& status, absl::string_view principal = {}) {
    if (observers_ != nullptr) {
      call_.code = static_cast<int>(status.error_code());
      call_.principal = principal;
      if (status.ok()) {
        observers_->Sent();  // an OK unary status carries the response
      }
      observers_->Finish(call_);
    }
    Finish(status);
  }

  // The caller's trace id (W3C traceparent), or one made for this call.
  const std::string& trace_id() { return call_.trace_id(); }

  void OnDone() override { delete this; }

 private:
  const observability::MethodObservers* const observers_;
  observability::CallRecord call_;
};

// A new reactor for a call of the method `observers` belong to (see ObservedUnaryReactor).
inline ObservedUnaryReactor* StartObserved(const observability::MethodObservers* observers,
                                           const grpc::CallbackServerContext& context) {
  return new ObservedUnaryReactor(observers, context);
}

}  // namespace warden::server
