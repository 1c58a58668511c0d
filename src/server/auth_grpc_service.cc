#include "server/auth_grpc_service.h"

#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <memory>
#include <string>

#include "common/bearer.h"
#include "common/call_context.h"
#include "observability/access_log.h"
#include "server/proto_mapping.h"
#include "server/status_conversion.h"

namespace warden::server {
namespace {

constexpr char kRetryPushbackMs[] = "1000";

// Returns the bearer token of the call, or empty. Refuses ambiguity (more than one header).
absl::string_view BearerOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range("authorization");
  if (begin == end || std::next(begin) != end) {
    return {};
  }
  return ::warden::BearerToken(absl::string_view(begin->second.data(), begin->second.size()));
}

// The call's trace id: from a valid W3C traceparent, else the one the observing interceptor
// made (x-warden-trace-id), else empty.
std::string TraceIdOf(const grpc::CallbackServerContext& context) {
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

grpc::Status Malformed(const std::string& type) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "malformed request: not a valid " + type + " message");
}

// Finishes with `status`, serializing `response` first when the call succeeded.
template <typename Response>
void Reply(grpc::ServerUnaryReactor* reactor, const absl::Status& status, const Response& response,
           grpc::ByteBuffer* bytes) {
  if (!status.ok()) {
    reactor->Finish(ToGrpcStatus(status));
    return;
  }
  reactor->Finish(Serialize(response, bytes));
}

}  // namespace

void AuthGrpcService::Annotate(grpc::CallbackServerContext& context, const std::string& user_id) {
  if (annotate_principal_ && !user_id.empty()) {
    context.AddTrailingMetadata(std::string(observability::kPrincipalTrailer), user_id);
  }
}

template <typename Request, typename Response, typename Handler>
grpc::ServerUnaryReactor* AuthGrpcService::Offload(grpc::CallbackServerContext* context,
                                                   WorkerPool& pool,
                                                   const grpc::ByteBuffer* request_bytes,
                                                   grpc::ByteBuffer* response_bytes,
                                                   Handler handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto request = std::make_unique<Request>();
  if (!Parse(request_bytes, *request)) {
    reactor->Finish(Malformed(Request::descriptor()->full_name()));
    return reactor;
  }
  const bool queued =
      pool.TrySubmit([context, reactor, response_bytes, handle, trace_id = TraceIdOf(*context),
                      request = std::shared_ptr<Request>(std::move(request))] {
        ScopedTraceId trace(trace_id);
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
          return;
        }
        Response response;
        const absl::Status status = handle(*request, response);
        Reply(reactor, status, response, response_bytes);
      });
  if (!queued) {
    context->AddTrailingMetadata("grpc-retry-pushback-ms", kRetryPushbackMs);
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "server busy, retry later"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* AuthGrpcService::Register(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return Offload<::auth::RegisterRequest, ::auth::RegisterResponse>(
      context, hash_pool_, request, response,
      [this, context](const ::auth::RegisterRequest& in,
                      ::auth::RegisterResponse& out) -> absl::Status {
        absl::StatusOr<core::User> user = auth_.Register(FromRegisterRequest(in));
        if (!user.ok()) {
          return user.status();
        }
        Annotate(*context, user->id);
        ToRegisterResponse(*user, out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuthGrpcService::Login(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) {
  return Offload<::auth::LoginRequest, ::auth::LoginResponse>(
      context, hash_pool_, request, response,
      [this, context](const ::auth::LoginRequest& in, ::auth::LoginResponse& out) -> absl::Status {
        absl::StatusOr<core::TokenPair> tokens = auth_.Login(in.username(), in.password());
        if (!tokens.ok()) {
          return tokens.status();
        }
        Annotate(*context, tokens->user_id);
        ToLoginResponse(*tokens, out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuthGrpcService::RefreshToken(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return Offload<::auth::RefreshTokenRequest, ::auth::RefreshTokenResponse>(
      context, io_pool_, request, response,
      [this, context](const ::auth::RefreshTokenRequest& in,
                      ::auth::RefreshTokenResponse& out) -> absl::Status {
        absl::StatusOr<core::TokenPair> tokens = auth_.RefreshToken(in.refresh_token());
        if (!tokens.ok()) {
          return tokens.status();
        }
        Annotate(*context, tokens->user_id);
        ToRefreshTokenResponse(*tokens, out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuthGrpcService::ValidateToken(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  google::protobuf::Empty empty;
  if (!Parse(request, empty)) {
    reactor->Finish(Malformed("google.protobuf.Empty"));
    return reactor;
  }
  absl::StatusOr<core::AccessClaims> claims = auth_.Validate(BearerOf(*context));
  ::auth::TokenInfo info;
  if (claims.ok()) {
    ToTokenInfo(*claims, info);
    Annotate(*context, claims->subject);
  }
  Reply(reactor, claims.status(), info, response);
  return reactor;
}

grpc::ServerUnaryReactor* AuthGrpcService::Logout(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  const std::string token(BearerOf(*context));
  if (token.empty()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(absl::UnauthenticatedError(core::kInvalidToken)));
    return reactor;
  }
  return Offload<google::protobuf::Empty, google::protobuf::Empty>(
      context, io_pool_, request, response,
      [this, token](const google::protobuf::Empty&, google::protobuf::Empty&) {
        return auth_.Logout(token);
      });
}

}  // namespace warden::server
