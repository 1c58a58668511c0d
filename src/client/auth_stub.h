#pragma once

#include "absl/status/statusor.h"
#include "auth.pb.h"
#include "client/unary_invoker.h"
#include "google/protobuf/empty.pb.h"
#include "health/v1/health.pb.h"

namespace warden::client {

// One virtual per RPC of the seed's service (and health), no policy: what AuthClient calls and
// what tests replace with MockAuthStub. The production implementation, InvokerAuthStub, sends
// each call down the client stack (retry, breakers, metrics, tracing). Thread-safe.
class AuthStub {
 public:
  virtual ~AuthStub() = default;
  virtual absl::StatusOr<::auth::RegisterResponse> Register(
      CallContext& context, const ::auth::RegisterRequest& request) = 0;
  virtual absl::StatusOr<::auth::LoginResponse> Login(CallContext& context,
                                                      const ::auth::LoginRequest& request) = 0;
  virtual absl::StatusOr<::auth::RefreshTokenResponse> RefreshToken(
      CallContext& context, const ::auth::RefreshTokenRequest& request) = 0;
  virtual absl::StatusOr<::auth::TokenInfo> ValidateToken(CallContext& context) = 0;
  virtual absl::Status Logout(CallContext& context) = 0;
  virtual absl::StatusOr<::grpc::health::v1::HealthCheckResponse> Check(
      CallContext& context, const ::grpc::health::v1::HealthCheckRequest& request) = 0;
};

}  // namespace warden::client
