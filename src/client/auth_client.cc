#include "client/auth_client.h"

namespace warden::client {

CallContext AuthClient::NewContext(const std::string& bearer) const {
  CallContext context;
  if (options_.timeout.count() > 0) {
    context.deadline = std::chrono::system_clock::now() + options_.timeout;
  }
  if (!bearer.empty()) {
    context.metadata.emplace_back("authorization", "Bearer " + bearer);
  }
  if (!traceparent_.empty()) {
    context.metadata.emplace_back("traceparent", traceparent_);
  }
  return context;
}

absl::StatusOr<::auth::RegisterResponse> AuthClient::Register(
    const ::auth::RegisterRequest& request) {
  CallContext context = NewContext();
  return stub_->Register(context, request);
}

absl::StatusOr<::auth::LoginResponse> AuthClient::Login(const std::string& username,
                                                        const std::string& password) {
  ::auth::LoginRequest request;
  request.set_username(username);
  request.set_password(password);
  // This client keeps RefreshTokenResponse.refresh_token, so it can take rotation.
  request.set_refresh_token_mode(::auth::REFRESH_TOKEN_MODE_ROTATING);
  CallContext context = NewContext();
  return stub_->Login(context, request);
}

absl::StatusOr<::auth::RefreshTokenResponse> AuthClient::RefreshToken(
    const std::string& refresh_token) {
  ::auth::RefreshTokenRequest request;
  request.set_refresh_token(refresh_token);
  CallContext context = NewContext();
  return stub_->RefreshToken(context, request);
}

absl::StatusOr<::auth::TokenInfo> AuthClient::ValidateToken(const std::string& access_token) {
  CallContext context = NewContext(access_token);
  return stub_->ValidateToken(context);
}

absl::Status AuthClient::Logout(const std::string& access_token) {
  CallContext context = NewContext(access_token);
  return stub_->Logout(context);
}

absl::StatusOr<::grpc::health::v1::HealthCheckResponse::ServingStatus> AuthClient::Health(
    const std::string& service) {
  ::grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  CallContext context = NewContext();
  absl::StatusOr<::grpc::health::v1::HealthCheckResponse> response = stub_->Check(context, request);
  if (!response.ok()) {
    return response.status();
  }
  return response->status();
}

}  // namespace warden::client
