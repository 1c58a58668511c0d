#include "server/auth_grpc_service.h"

#include <memory>
#include <string>

#include "common/bearer.h"
#include "common/call_context.h"
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
                                 observability::CallObservers* observers)
    : auth_(auth),
      hash_pool_(hash_pool),
      io_pool_(io_pool),
      register_(BindMethod<::auth::AuthService>(guards, observers, "Register")),
      // Login's per-address lockout reads the client address.
      login_(BindMethod<::auth::AuthService>(guards, observers, "Login",
                                             {.needs_client_address = true})),
      refresh_(BindMethod<::auth::AuthService>(guards, observers, "RefreshToken")),
      validate_(BindMethod<::auth::AuthService>(guards, observers, "ValidateToken")),
      logout_(BindMethod<::auth::AuthService>(guards, observers, "Logout")) {}

grpc::ServerUnaryReactor* AuthGrpcService::Register(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return OffloadUnary<::auth::RegisterRequest, ::auth::RegisterResponse>(
      *context, register_, hash_pool_, request, response,
      [this](const ::auth::RegisterRequest& in, ::auth::RegisterResponse& out, const Admitted&,
             std::string& principal) -> absl::Status {
        absl::StatusOr<core::User> user = auth_.Register(FromRegisterRequest(in));
        if (!user.ok()) {
          return user.status();
        }
        principal = user->id;
        ToRegisterResponse(*user, out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuthGrpcService::Login(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) {
  return OffloadUnary<::auth::LoginRequest, ::auth::LoginResponse>(
      *context, login_, hash_pool_, request, response,
      [this](const ::auth::LoginRequest& in, ::auth::LoginResponse& out, const Admitted& caller,
             std::string& principal) -> absl::Status {
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
        principal = tokens->user_id;
        ToLoginResponse(*tokens, out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuthGrpcService::RefreshToken(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return OffloadUnary<::auth::RefreshTokenRequest, ::auth::RefreshTokenResponse>(
      *context, refresh_, io_pool_, request, response,
      [this](const ::auth::RefreshTokenRequest& in, ::auth::RefreshTokenResponse& out,
             const Admitted&, std::string& principal) -> absl::Status {
        absl::StatusOr<core::TokenPair> tokens = auth_.RefreshToken(in.refresh_token());
        if (!tokens.ok()) {
          return tokens.status();
        }
        principal = tokens->user_id;
        ToRefreshTokenResponse(*tokens, out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AuthGrpcService::ValidateToken(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  ObservedUnaryReactor* reactor = StartObserved(validate_.observers, *context);
  if (!AdmitOrFinish(*validate_.guard, *context, reactor).has_value()) {
    return reactor;
  }
  google::protobuf::Empty empty;
  if (!Parse(request, empty)) {
    reactor->Complete(Malformed("google.protobuf.Empty"));
    return reactor;
  }
  absl::StatusOr<core::AccessClaims> claims = auth_.Validate(BearerOf(*context));
  ::auth::TokenInfo info;
  if (!claims.ok()) {
    Reply(*context, reactor, claims.status(), info, response);
    return reactor;
  }
  ToTokenInfo(*claims, info);
  Reply(*context, reactor, claims.status(), info, response, claims->subject);
  return reactor;
}

grpc::ServerUnaryReactor* AuthGrpcService::Logout(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return OffloadUnary<google::protobuf::Empty, google::protobuf::Empty>(
      *context, logout_, io_pool_, request, response,
      [this, token = std::string(BearerOf(*context))](const google::protobuf::Empty&,
                                                      google::protobuf::Empty&, const Admitted&,
                                                      std::string& /*principal*/) {
        if (token.empty()) {
          // An API key or certificate has no session to end.
          return absl::UnauthenticatedError(core::kInvalidToken);
        }
        return auth_.Logout(token);
      });
}

}  // namespace warden::server
