// warden: command-line client for wardend.
#include <iostream>

#include "cli/commands.h"
#include "client/client_stack.h"
#include "client/invoker_auth_stub.h"
#include "common/environment.h"

int main(int argc, char** argv) {
  return warden::cli::Run(
      {argv + 1, argv + argc}, warden::ProcessEnvironment(),
      [](const std::string& target,
         const warden::client::ChannelOptions& channel) -> absl::StatusOr<warden::cli::Stubs> {
        warden::client::ClientOptions options;
        options.target = target;
        options.channel = channel;
        options.balancing.resolve_interval = std::chrono::milliseconds(0);  // one command
        absl::StatusOr<warden::client::ClientStack> stack =
            warden::client::MakeClientStack(options);
        if (!stack.ok()) {
          return stack.status();
        }
        return warden::cli::Stubs{
            .auth = std::make_shared<warden::client::InvokerAuthStub>(stack->invoker),
            .invoker = stack->invoker};
      },
      {.in = std::cin, .out = std::cout, .err = std::cerr});
}
