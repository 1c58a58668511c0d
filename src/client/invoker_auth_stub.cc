#include "client/invoker_auth_stub.h"

#include "client/methods.h"

namespace warden::client {

absl::StatusOr<::auth::RegisterResponse> InvokerAuthStub::Register(
    CallContext& context, const ::auth::RegisterRequest& request) {
  return InvokeTyped<::auth::RegisterResponse>(*invoker_, context, methods::kRegister, request);
}

absl::StatusOr<::auth::LoginResponse> InvokerAuthStub::Login(CallContext& context,
                                                             const ::auth::LoginRequest& request) {
  return InvokeTyped<::auth::LoginResponse>(*invoker_, context, methods::kLogin, request);
}

absl::StatusOr<::auth::RefreshTokenResponse> InvokerAuthStub::RefreshToken(
    CallContext& context, const ::auth::RefreshTokenRequest& request) {
  return InvokeTyped<::auth::RefreshTokenResponse>(*invoker_, context, methods::kRefreshToken,
                                                   request);
}

absl::StatusOr<::auth::TokenInfo> InvokerAuthStub::ValidateToken(CallContext& context) {
  return InvokeTyped<::auth::TokenInfo>(*invoker_, context, methods::kValidateToken,
                                        google::protobuf::Empty());
}

absl::Status InvokerAuthStub::Logout(CallContext& context) {
  google::protobuf::Empty response;
  return invoker_->Invoke(context, methods::kLogout, google::protobuf::Empty(), response);
}

absl::StatusOr<::grpc::health::v1::HealthCheckResponse> InvokerAuthStub::Check(
    CallContext& context, const ::grpc::health::v1::HealthCheckRequest& request) {
  return InvokeTyped<::grpc::health::v1::HealthCheckResponse>(*invoker_, context,
                                                              methods::kHealthCheck, request);
}

}  // namespace warden::client
