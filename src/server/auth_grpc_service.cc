#include "server/auth_grpc_service.h"

#include <string>

#include "server/bearer.h"
#include "server/proto_mapping.h"
#include "server/status_conversion.h"

namespace warden::server {
namespace {

constexpr char kRetryPushbackMs[] = "1000";

// Returns the bearer token of the call, or empty. Looks at every authorization entry and
// refuses ambiguity (more than one).
absl::string_view BearerOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range("authorization");
  if (begin == end || std::next(begin) != end) {
    return {};
  }
  return BearerToken(absl::string_view(begin->second.data(), begin->second.size()));
}

}  // namespace

grpc::ServerUnaryReactor* AuthGrpcService::Offload(grpc::CallbackServerContext* context,
                                                   WorkerPool& pool,
                                                   std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool queued = pool.TrySubmit([context, reactor, work = std::move(work)] {
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
      return;
    }
    reactor->Finish(ToGrpcStatus(work()));
  });
  if (!queued) {
    context->AddTrailingMetadata("grpc-retry-pushback-ms", kRetryPushbackMs);
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "server busy, retry later"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* AuthGrpcService::Register(grpc::CallbackServerContext* context,
                                                    const ::auth::RegisterRequest* request,
                                                    ::auth::RegisterResponse* response) {
  return Offload(context, hash_pool_, [this, request, response]() -> absl::Status {
    absl::StatusOr<core::User> user = auth_.Register(FromRegisterRequest(*request));
    if (!user.ok()) {
      return user.status();
    }
    ToRegisterResponse(*user, *response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::Login(grpc::CallbackServerContext* context,
                                                 const ::auth::LoginRequest* request,
                                                 ::auth::LoginResponse* response) {
  return Offload(context, hash_pool_, [this, request, response]() -> absl::Status {
    absl::StatusOr<core::TokenPair> tokens = auth_.Login(request->username(), request->password());
    if (!tokens.ok()) {
      return tokens.status();
    }
    ToLoginResponse(*tokens, *response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::RefreshToken(grpc::CallbackServerContext* context,
                                                        const ::auth::RefreshTokenRequest* request,
                                                        ::auth::RefreshTokenResponse* response) {
  return Offload(context, io_pool_, [this, request, response]() -> absl::Status {
    absl::StatusOr<core::TokenPair> tokens = auth_.RefreshToken(request->refresh_token());
    if (!tokens.ok()) {
      return tokens.status();
    }
    ToRefreshTokenResponse(*tokens, *response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuthGrpcService::ValidateToken(grpc::CallbackServerContext* context,
                                                         const google::protobuf::Empty* /*request*/,
                                                         ::auth::TokenInfo* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<core::AccessClaims> claims = auth_.Validate(BearerOf(*context));
  if (claims.ok()) {
    ToTokenInfo(*claims, *response);
  }
  reactor->Finish(ToGrpcStatus(claims.status()));
  return reactor;
}

grpc::ServerUnaryReactor* AuthGrpcService::Logout(grpc::CallbackServerContext* context,
                                                  const google::protobuf::Empty* /*request*/,
                                                  google::protobuf::Empty* /*response*/) {
  std::string token(BearerOf(*context));
  if (token.empty()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(absl::UnauthenticatedError(core::kInvalidToken)));
    return reactor;
  }
  return Offload(context, io_pool_,
                 [this, token = std::move(token)] { return auth_.Logout(token); });
}

}  // namespace warden::server
