#include "client/auth_client.h"

namespace warden::client {

std::unique_ptr<grpc::ClientContext> AuthClient::NewContext(const std::string& bearer) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + options_.timeout);
  if (!bearer.empty()) {
    context->AddMetadata("authorization", "Bearer " + bearer);
  }
  if (!traceparent_.empty()) {
    context->AddMetadata("traceparent", traceparent_);
  }
  return context;
}

absl::StatusOr<::auth::RegisterResponse> AuthClient::Register(
    const ::auth::RegisterRequest& request) {
  return stub_->Register(*NewContext(), request);
}

absl::StatusOr<::auth::LoginResponse> AuthClient::Login(const std::string& username,
                                                        const std::string& password) {
  ::auth::LoginRequest request;
  request.set_username(username);
  request.set_password(password);
  // This client keeps RefreshTokenResponse.refresh_token, so it can take rotation.
  request.set_refresh_token_mode(::auth::REFRESH_TOKEN_MODE_ROTATING);
  return stub_->Login(*NewContext(), request);
}

absl::StatusOr<::auth::RefreshTokenResponse> AuthClient::RefreshToken(
    const std::string& refresh_token) {
  ::auth::RefreshTokenRequest request;
  request.set_refresh_token(refresh_token);
  return stub_->RefreshToken(*NewContext(), request);
}

absl::StatusOr<::auth::TokenInfo> AuthClient::ValidateToken(const std::string& access_token) {
  return stub_->ValidateToken(*NewContext(access_token));
}

absl::Status AuthClient::Logout(const std::string& access_token) {
  return stub_->Logout(*NewContext(access_token));
}

absl::StatusOr<::grpc::health::v1::HealthCheckResponse::ServingStatus> AuthClient::Health(
    const std::string& service) {
  ::grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  absl::StatusOr<::grpc::health::v1::HealthCheckResponse> response =
      stub_->Check(*NewContext(), request);
  if (!response.ok()) {
    return response.status();
  }
  return response->status();
}

absl::Status AuthClient::Call(const std::string& method, const google::protobuf::Message& request,
                              google::protobuf::Message& response, const std::string& bearer,
                              const std::string& api_key) {
  std::unique_ptr<grpc::ClientContext> context = NewContext(api_key.empty() ? bearer : "");
  if (!api_key.empty()) {
    context->AddMetadata("x-api-key", api_key);
  }
  return stub_->Call(*context, method, request, response);
}

}  // namespace warden::client
