#pragma once

#include <functional>
#include <memory>
#include <string>

#include "client/unary_invoker.h"
#include "common/clock.h"

namespace warden::client {

// What the logging hook learns about each finished call.
struct CallRecord {
  const Method& method;
  const absl::Status& status;
  std::chrono::microseconds duration;
  const std::string& peer;
  int attempts;
  const std::string& traceparent;
};

// Gives every call a W3C trace context and reports every finished call. A call that carries no
// `traceparent` gets a fresh one (version 00, random trace and span ids, sampled), so Warden's
// access log and spans of one client call share a trace id the caller can log too. `observer`
// (may be empty) is called after each call on the calling thread: the place to log.
class TracingInvoker final : public UnaryInvoker {
 public:
  TracingInvoker(std::shared_ptr<UnaryInvoker> next,
                 std::function<void(const CallRecord&)> observer, const Clock& clock)
      : next_(std::move(next)), observer_(std::move(observer)), clock_(clock) {}

  absl::Status Invoke(CallContext& context, const Method& method,
                      const google::protobuf::Message& request,
                      google::protobuf::Message& response) override;

  // "00-<32 hex>-<16 hex>-01" with fresh random ids.
  static std::string NewTraceparent();

 private:
  std::shared_ptr<UnaryInvoker> next_;
  std::function<void(const CallRecord&)> observer_;
  const Clock& clock_;
};

}  // namespace warden::client
