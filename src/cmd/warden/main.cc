// warden: command-line client for wardend.
#include <iostream>

#include "cli/commands.h"
#include "client/grpc_auth_stub.h"
#include "common/environment.h"

int main(int argc, char** argv) {
  return warden::cli::Run(
      {argv + 1, argv + argc}, warden::ProcessEnvironment(),
      [](const std::string& address) {
        return std::make_shared<warden::client::GrpcAuthStub>(warden::client::MakeChannel(address));
      },
      {.in = std::cin, .out = std::cout, .err = std::cerr});
}
