#pragma once

#include <grpcpp/client_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "auth.pb.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/message.h"
#include "health/v1/health.pb.h"

namespace warden::client {

// One virtual per RPC, no policy: the seam that decorators (retry, breaker, metrics) wrap and
// that tests replace with MockAuthStub. Implementations are thread-safe.
class AuthStub {
 public:
  virtual ~AuthStub() = default;
  virtual absl::StatusOr<::auth::RegisterResponse> Register(
      grpc::ClientContext& context, const ::auth::RegisterRequest& request) = 0;
  virtual absl::StatusOr<::auth::LoginResponse> Login(grpc::ClientContext& context,
                                                      const ::auth::LoginRequest& request) = 0;
  virtual absl::StatusOr<::auth::RefreshTokenResponse> RefreshToken(
      grpc::ClientContext& context, const ::auth::RefreshTokenRequest& request) = 0;
  virtual absl::StatusOr<::auth::TokenInfo> ValidateToken(grpc::ClientContext& context) = 0;
  virtual absl::Status Logout(grpc::ClientContext& context) = 0;
  virtual absl::StatusOr<::grpc::health::v1::HealthCheckResponse> Check(
      grpc::ClientContext& context, const ::grpc::health::v1::HealthCheckRequest& request) = 0;
  // Any other unary method by full name ("/warden.v1.AdminService/ListUsers"): the admin and
  // account services, whose many methods the CLI reaches through this one seam.
  virtual absl::Status Call(grpc::ClientContext& context, const std::string& method,
                            const google::protobuf::Message& request,
                            google::protobuf::Message& response) = 0;
};

}  // namespace warden::client
