#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "auth.grpc.pb.h"
#include "client/auth_stub.h"
#include "health/v1/health.grpc.pb.h"

namespace warden::client {

// AuthStub over one gRPC channel. Thread-safe.
class GrpcAuthStub final : public AuthStub {
 public:
  explicit GrpcAuthStub(std::shared_ptr<grpc::Channel> channel);

  absl::StatusOr<::auth::RegisterResponse> Register(
      grpc::ClientContext& context, const ::auth::RegisterRequest& request) override;
  absl::StatusOr<::auth::LoginResponse> Login(grpc::ClientContext& context,
                                              const ::auth::LoginRequest& request) override;
  absl::StatusOr<::auth::RefreshTokenResponse> RefreshToken(
      grpc::ClientContext& context, const ::auth::RefreshTokenRequest& request) override;
  absl::StatusOr<::auth::TokenInfo> ValidateToken(grpc::ClientContext& context) override;
  absl::Status Logout(grpc::ClientContext& context) override;
  absl::StatusOr<::grpc::health::v1::HealthCheckResponse> Check(
      grpc::ClientContext& context, const ::grpc::health::v1::HealthCheckRequest& request) override;

 private:
  std::unique_ptr<::auth::AuthService::Stub> auth_;
  std::unique_ptr<::grpc::health::v1::Health::Stub> health_;
};

// Returns an insecure channel to `address` (TLS arrives with a later issue).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

// The client side's one conversion from grpc::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace warden::client
