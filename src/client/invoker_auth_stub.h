#pragma once

#include <memory>

#include "client/auth_stub.h"

namespace warden::client {

// AuthStub over the client stack: each method is one Invoke() with its methods:: descriptor.
class InvokerAuthStub final : public AuthStub {
 public:
  explicit InvokerAuthStub(std::shared_ptr<UnaryInvoker> invoker) : invoker_(std::move(invoker)) {}

  absl::StatusOr<::auth::RegisterResponse> Register(
      CallContext& context, const ::auth::RegisterRequest& request) override;
  absl::StatusOr<::auth::LoginResponse> Login(CallContext& context,
                                              const ::auth::LoginRequest& request) override;
  absl::StatusOr<::auth::RefreshTokenResponse> RefreshToken(
      CallContext& context, const ::auth::RefreshTokenRequest& request) override;
  absl::StatusOr<::auth::TokenInfo> ValidateToken(CallContext& context) override;
  absl::Status Logout(CallContext& context) override;
  absl::StatusOr<::grpc::health::v1::HealthCheckResponse> Check(
      CallContext& context, const ::grpc::health::v1::HealthCheckRequest& request) override;

 private:
  std::shared_ptr<UnaryInvoker> invoker_;
};

// One typed unary call through `invoker`.
template <typename Response>
absl::StatusOr<Response> InvokeTyped(UnaryInvoker& invoker, CallContext& context,
                                     const Method& method,
                                     const google::protobuf::Message& request) {
  Response response;
  if (absl::Status status = invoker.Invoke(context, method, request, response); !status.ok()) {
    return status;
  }
  return response;
}

}  // namespace warden::client
