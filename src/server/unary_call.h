#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>
#include <grpcpp/support/server_callback.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/worker_pool.h"
#include "server/admission.h"
#include "server/observed_reactor.h"

// Shared plumbing of Warden's raw (ByteBuffer) unary handlers: parse, admit, offload to a
// bounded pool, reply. Raw methods let Warden answer a malformed request with INVALID_ARGUMENT
// (grpc++ 1.51 would say UNIMPLEMENTED with no message).
namespace warden::server {

inline constexpr char kRetryPushbackMs[] = "1000";

template <typename Message>
bool Parse(const grpc::ByteBuffer* bytes, Message& message) {
  grpc::ByteBuffer copy(*bytes);  // slices are reference-counted: no byte copy
  return grpc::SerializationTraits<Message>::Deserialize(&copy, &message).ok();
}

template <typename Message>
grpc::Status Serialize(const Message& message, grpc::ByteBuffer* bytes) {
  bool own_buffer = false;
  return grpc::SerializationTraits<Message>::Serialize(message, bytes, &own_buffer);
}

inline grpc::Status Malformed(const std::string& type) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "malformed request: not a valid " + type + " message");
}

// Finishes with `status`, serializing `response` first when the call succeeded; `principal`
// names the caller for the access log.
template <typename Response>
void Reply(grpc::CallbackServerContext& context, ObservedUnaryReactor* reactor,
           const absl::Status& status, const Response& response, grpc::ByteBuffer* bytes,
           absl::string_view principal = {}) {
  if (!status.ok()) {
    reactor->Complete(RefusalStatus(context, status), principal);
    return;
  }
  reactor->Complete(Serialize(response, bytes), principal);
}

// One method of a handler: its admission guard and its observers.
struct BoundMethod {
  const guard::MethodGuard* guard;
  const observability::MethodObservers* observers;  // nullptr: not observed
};

// Binds `method` of `Service` in `guards` (see BindMethod) and in `observers` (may be null).
template <typename Service>
BoundMethod BindMethod(guard::GuardChain& guards, observability::CallObservers* observers,
                       absl::string_view method, guard::MethodOptions options = {}) {
  return BoundMethod{.guard = &BindMethod<Service>(guards, method, options),
                     .observers = observability::BindObservers(
                         observers, absl::StrCat("/", Service::service_full_name(), "/", method))};
}

// Admits the call, parses the request and runs `handle(request, response, admitted, principal)`
// on `pool`, finishing the call with its status and serialized response; the handler may name
// the caller in `principal` for the access log. INVALID_ARGUMENT for a malformed request,
// RESOURCE_EXHAUSTED (retry-after, grpc-retry-pushback-ms) when the pool is full.
template <typename Request, typename Response, typename Handler>
grpc::ServerUnaryReactor* OffloadUnary(grpc::CallbackServerContext& call, BoundMethod method,
                                       WorkerPool& pool, const grpc::ByteBuffer* request_bytes,
                                       grpc::ByteBuffer* response_bytes, Handler handle) {
  grpc::CallbackServerContext* context = &call;
  ObservedUnaryReactor* reactor = StartObserved(method.observers, *context);
  std::optional<Admitted> admitted = AdmitOrFinish(*method.guard, *context, reactor);
  if (!admitted.has_value()) {
    return reactor;
  }
  auto request = std::make_unique<Request>();
  if (!Parse(request_bytes, *request)) {
    reactor->Complete(Malformed(Request::descriptor()->full_name()));
    return reactor;
  }
  const bool queued =
      pool.TrySubmit([context, reactor, response_bytes, handle, trace_id = reactor->trace_id(),
                      request = std::shared_ptr<Request>(std::move(request)),
                      caller = std::make_shared<Admitted>(*std::move(admitted))] {
        ScopedTraceId trace(trace_id);
        if (context->IsCancelled()) {
          reactor->Complete(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
          return;
        }
        Response response;
        std::string principal;
        const absl::Status status = handle(*request, response, *caller, principal);
        Reply(*context, reactor, status, response, response_bytes, principal);
      });
  if (!queued) {
    context->AddTrailingMetadata("retry-after", "1");
    context->AddTrailingMetadata("grpc-retry-pushback-ms", kRetryPushbackMs);
    reactor->Complete(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "server busy, retry later"));
  }
  return reactor;
}

// How a principal is named in the access log: the user id, else "<kind>:<id>".
inline std::string PrincipalLabel(const core::Principal& principal) {
  if (principal.kind == core::Principal::Kind::kUser) {
    return principal.id;
  }
  return absl::StrCat(core::PrincipalKindName(principal.kind), ":", principal.id);
}

}  // namespace warden::server
