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
#include "observability/access_log.h"
#include "server/admission.h"

// Shared plumbing of Warden's raw (ByteBuffer) unary handlers: parse, admit, offload to a
// bounded pool, reply. Raw methods let Warden answer a malformed request with INVALID_ARGUMENT
// (grpc++ 1.51 would say UNIMPLEMENTED with no message).
namespace warden::server {

inline constexpr char kRetryPushbackMs[] = "1000";

// The call's trace id: from a valid W3C traceparent, else the one the observing interceptor
// made (x-warden-trace-id), else empty.
inline std::string TraceIdOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("traceparent"); it != metadata.end()) {
    std::string id = observability::TraceIdFromTraceparent(
        absl::string_view(it->second.data(), it->second.size()));
    if (!id.empty()) {
      return id;
    }
  }
  if (auto it = metadata.find("x-warden-trace-id");
      it != metadata.end() && it->second.size() == 32) {
    return std::string(it->second.data(), it->second.size());
  }
  return "";
}

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

// Finishes with `status`, serializing `response` first when the call succeeded.
template <typename Response>
void Reply(grpc::CallbackServerContext& context, grpc::ServerUnaryReactor* reactor,
           const absl::Status& status, const Response& response, grpc::ByteBuffer* bytes) {
  if (!status.ok()) {
    reactor->Finish(RefusalStatus(context, status));
    return;
  }
  reactor->Finish(Serialize(response, bytes));
}

// Admits the call, parses the request and runs `handle(request, response, admitted)` on `pool`,
// finishing the call with its status and serialized response. INVALID_ARGUMENT for a malformed
// request, RESOURCE_EXHAUSTED (retry-after, grpc-retry-pushback-ms) when the pool is full.
template <typename Request, typename Response, typename Handler>
grpc::ServerUnaryReactor* OffloadUnary(grpc::CallbackServerContext& call,
                                       const guard::MethodGuard& guard, WorkerPool& pool,
                                       const grpc::ByteBuffer* request_bytes,
                                       grpc::ByteBuffer* response_bytes, Handler handle) {
  grpc::CallbackServerContext* context = &call;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<Admitted> admitted = AdmitOrFinish(guard, *context, reactor);
  if (!admitted.has_value()) {
    return reactor;
  }
  auto request = std::make_unique<Request>();
  if (!Parse(request_bytes, *request)) {
    reactor->Finish(Malformed(Request::descriptor()->full_name()));
    return reactor;
  }
  const bool queued =
      pool.TrySubmit([context, reactor, response_bytes, handle, trace_id = TraceIdOf(*context),
                      request = std::shared_ptr<Request>(std::move(request)),
                      caller = std::make_shared<Admitted>(*std::move(admitted))] {
        ScopedTraceId trace(trace_id);
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
          return;
        }
        Response response;
        const absl::Status status = handle(*request, response, *caller);
        Reply(*context, reactor, status, response, response_bytes);
      });
  if (!queued) {
    context->AddTrailingMetadata("retry-after", "1");
    context->AddTrailingMetadata("grpc-retry-pushback-ms", kRetryPushbackMs);
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "server busy, retry later"));
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
