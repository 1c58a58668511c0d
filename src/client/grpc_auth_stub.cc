#include "client/grpc_auth_stub.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <fstream>
#include <future>
#include <sstream>

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

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& address,
                                                           const ChannelOptions& options) {
  if (!options.tls) {
    return MakeChannel(address);
  }
  auto read = [](const std::string& path, std::string& out) {
    if (path.empty()) {
      return true;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out = text.str();
    return static_cast<bool>(in) && !out.empty();
  };
  grpc::SslCredentialsOptions ssl;
  for (auto [path, out] : {std::pair{&options.ca_file, &ssl.pem_root_certs},
                           std::pair{&options.cert_file, &ssl.pem_cert_chain},
                           std::pair{&options.key_file, &ssl.pem_private_key}}) {
    if (!read(*path, *out)) {
      return absl::InvalidArgumentError("cannot read " + *path);
    }
  }
  grpc::ChannelArguments args;
  if (!options.server_name.empty()) {
    args.SetSslTargetNameOverride(options.server_name);
  }
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
}

GrpcAuthStub::GrpcAuthStub(std::shared_ptr<grpc::Channel> channel)
    : generic_(std::make_unique<
               grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message>>(
          channel)),
      auth_(::auth::AuthService::NewStub(channel)),
      health_(::grpc::health::v1::Health::NewStub(channel)) {}

absl::Status GrpcAuthStub::Call(grpc::ClientContext& context, const std::string& method,
                                const google::protobuf::Message& request,
                                google::protobuf::Message& response) {
  std::promise<grpc::Status> done;
  generic_->UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                      [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return FromGrpcStatus(done.get_future().get());
}

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
