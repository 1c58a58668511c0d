#include "client/channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <fstream>
#include <sstream>

namespace warden::client {

grpc::ChannelArguments StackChannelArguments(const ChannelOptions& options,
                                             const std::string& authority) {
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(R"({"loadBalancingConfig":[{"round_robin":{}}],)"
                            R"("healthCheckConfig":{"serviceName":"auth.AuthService"}})");
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2'000);
  if (!authority.empty()) {
    args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, authority);
  }
  if (options.tls) {
    const std::string name = !options.server_name.empty()
                                 ? options.server_name
                                 : authority.substr(0, authority.rfind(':'));
    if (!name.empty()) {
      args.SetSslTargetNameOverride(name);
    }
  }
  return args;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const ChannelOptions& options) {
  if (!options.tls) {
    return grpc::InsecureChannelCredentials();
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
  return grpc::SslCredentials(ssl);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& target,
                                                           const ChannelOptions& options,
                                                           grpc::ChannelArguments arguments) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = MakeCredentials(options);
  if (!credentials.ok()) {
    return credentials.status();
  }
  if (options.tls && !options.server_name.empty()) {
    arguments.SetSslTargetNameOverride(options.server_name);
  }
  return grpc::CreateCustomChannel(target, *credentials, arguments);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& target,
                                                           const ChannelOptions& options) {
  return MakeChannel(target, options, grpc::ChannelArguments());
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target) {
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

}  // namespace warden::client
