// warden: command-line client for wardend.
#include <iostream>

#include "cli/commands.h"
#include "client/grpc_auth_stub.h"
#include "common/environment.h"

int main(int argc, char** argv) {
  return warden::cli::Run(
      {argv + 1, argv + argc}, warden::ProcessEnvironment(),
      [](const std::string& address, const warden::client::ChannelOptions& options)
          -> std::shared_ptr<warden::client::AuthStub> {
        absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
            warden::client::MakeChannel(address, options);
        if (!channel.ok()) {
          std::cerr << "warden: " << channel.status().message() << "\n";
          return nullptr;
        }
        return std::make_shared<warden::client::GrpcAuthStub>(*channel);
      },
      {.in = std::cin, .out = std::cout, .err = std::cerr});
}
