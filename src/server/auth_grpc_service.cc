#include "server/auth_grpc_service.h"

#include <memory>
#include <string>

#include "common/bearer.h"
#include "common/call_context.h"
#include "observability/access_log.h"
#include "server/proto_mapping.h"
#include "server/status_conversion.h"
#include "server/unary_call.h"

namespace warden::server {
namespace {

// Returns the bearer token of the call, or empty. Refuses ambiguity (more than one header).
absl::string_view BearerOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range("authorization");
  if (begin == end || std::next(begin) != end) {
    return {};
  }
  return ::warden::BearerToken(absl::string_view(begin->second.data(), begin->second.size()));
}

}  // namespace

AuthGrpcService::AuthGrpcService(core::AuthService& auth, WorkerPool& hash_pool,
                                 WorkerPool& io_pool, guard::GuardChain& guards,
                                 bool annotate_principal)
    : auth_(auth),
      hash_pool_(hash_pool),
      io_pool_(io_pool),
      annotate_principal_(annotate_principal),
      register_guard_(BindMethod<::auth::AuthService>(guards, "Register")),
      // Login's per-address lockout reads the client address.
      login_guard_(
          BindMethod<::auth::AuthService>(guards, "Login", {.needs_client_address = true})),
      refresh_guard_(BindMethod<::auth::AuthService>(guards, "RefreshToken")),
      validate_guard_(BindMethod<::auth::AuthService>(guards, "ValidateToken")),
      logout_guard_(BindMethod<::auth::AuthService>(guards, "Logout")) {}

void AuthGrpcService::Annotate(grpc::CallbackServerContext& context, const std::string& user_id) {
  if (annotate_principal_ && !user_id.empty()) {
    context.AddTrailingMetadata(std::string(observability::kPrincipalTrailer), user_id);
  }
}

template <typename Request, typename Response, typename Handler>
grpc::ServerUnaryReactor* AuthGrpcService::Offload(
    grpc::CallbackServerContext* context, const guard::MethodGuard& guard, WorkerPool& pool,
    const grpc::ByteBuffer* request_bytes, grpc::ByteBuffer* response_bytes, Handler handle) {
  return OffloadUnary<Request, Response>(*context, guard, pool, request_bytes, response_bytes,
                                         std::move(handle));
}

grpc::ServerUnaryReactor* AuthGrpcService::Register(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return Offload<::auth::RegisterRequest, ::auth::RegisterResponse>(
      context, register_guard_, hash_pool_, request, response,
      [this, context](const ::auth::RegisterRequest& in, ::auth::RegisterResponse& out,
                      const Admitted&) -> absl::Status {
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
      context, login_guard_, hash_pool_, request, response,
      [this, context](const ::auth::LoginRequest& in, ::auth::LoginResponse& out,
                      const Admitted& caller) -> absl::Status {
        absl::StatusOr<std::optional<core::RefreshMode>> mode =
            FromRefreshTokenMode(in.refresh_token_mode());
        if (!mode.ok()) {
          return mode.status();
        }
        absl::StatusOr<core::TokenPair> tokens =
            auth_.Login(in.username(), in.password(), caller.client_address, *mode);
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
      context, refresh_guard_, io_pool_, request, response,
      [this, context](const ::auth::RefreshTokenRequest& in, ::auth::RefreshTokenResponse& out,
                      const Admitted&) -> absl::Status {
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
  if (!AdmitOrFinish(validate_guard_, *context, reactor).has_value()) {
    return reactor;
  }
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
  Reply(*context, reactor, claims.status(), info, response);
  return reactor;
}

grpc::ServerUnaryReactor* AuthGrpcService::Logout(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return Offload<google::protobuf::Empty, google::protobuf::Empty>(
      context, logout_guard_, io_pool_, request, response,
      [this, token = std::string(BearerOf(*context))](const google::protobuf::Empty&,
                                                      google::protobuf::Empty&, const Admitted&) {
        if (token.empty()) {
          // An API key or certificate has no session to end.
          return absl::UnauthenticatedError(core::kInvalidToken);
        }
        return auth_.Logout(token);
      });
}

}  // namespace warden::server
