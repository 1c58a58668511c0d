#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

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
  absl::Status Call(grpc::ClientContext& context, const std::string& method,
                    const google::protobuf::Message& request,
                    google::protobuf::Message& response) override;

 private:
  std::unique_ptr<grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message>>
      generic_;
  std::unique_ptr<::auth::AuthService::Stub> auth_;
  std::unique_ptr<::grpc::health::v1::Health::Stub> health_;
};

// How to reach the server: plaintext, or TLS (server verified against `ca_file`, or the system
// roots when empty) with an optional client certificate for mutual TLS.
struct ChannelOptions {
  bool tls = false;
  std::string ca_file;
  std::string cert_file;  // client certificate (mTLS)
  std::string key_file;
  std::string server_name;  // overrides the name checked against the certificate
};

// Returns a channel to `address`, or an error naming an unreadable file.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address,
                                                           const ChannelOptions& options);
// A plaintext channel.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

// The client side's one conversion from grpc::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace warden::client
