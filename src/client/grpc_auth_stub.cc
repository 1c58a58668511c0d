#include "client/grpc_auth_stub.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

namespace warden::client {
namespace {

template <typename Response, typename Call>
absl::StatusOr<Response> Invoke(Call call) {
  Response response;
  grpc::Status status = call(response);
  if (!status.ok()) {
    return FromGrpcStatus(status);
  }
  return response;
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

GrpcAuthStub::GrpcAuthStub(std::shared_ptr<grpc::Channel> channel)
    : auth_(::auth::AuthService::NewStub(channel)),
      health_(::grpc::health::v1::Health::NewStub(channel)) {}

absl::StatusOr<::auth::RegisterResponse> GrpcAuthStub::Register(
    grpc::ClientContext& context, const ::auth::RegisterRequest& request) {
  return Invoke<::auth::RegisterResponse>(
      [&](auto& response) { return auth_->Register(&context, request, &response); });
}

absl::StatusOr<::auth::LoginResponse> GrpcAuthStub::Login(grpc::ClientContext& context,
                                                          const ::auth::LoginRequest& request) {
  return Invoke<::auth::LoginResponse>(
      [&](auto& response) { return auth_->Login(&context, request, &response); });
}

absl::StatusOr<::auth::RefreshTokenResponse> GrpcAuthStub::RefreshToken(
    grpc::ClientContext& context, const ::auth::RefreshTokenRequest& request) {
  return Invoke<::auth::RefreshTokenResponse>(
      [&](auto& response) { return auth_->RefreshToken(&context, request, &response); });
}

absl::StatusOr<::auth::TokenInfo> GrpcAuthStub::ValidateToken(grpc::ClientContext& context) {
  return Invoke<::auth::TokenInfo>([&](auto& response) {
    return auth_->ValidateToken(&context, google::protobuf::Empty(), &response);
  });
}

absl::Status GrpcAuthStub::Logout(grpc::ClientContext& context) {
  google::protobuf::Empty response;
  return FromGrpcStatus(auth_->Logout(&context, google::protobuf::Empty(), &response));
}

absl::StatusOr<::grpc::health::v1::HealthCheckResponse> GrpcAuthStub::Check(
    grpc::ClientContext& context, const ::grpc::health::v1::HealthCheckRequest& request) {
  return Invoke<::grpc::health::v1::HealthCheckResponse>(
      [&](auto& response) { return health_->Check(&context, request, &response); });
}

}  // namespace warden::client
