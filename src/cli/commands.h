#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/auth_stub.h"
#include "client/channel.h"
#include "client/unary_invoker.h"

namespace warden::cli {

// Exit codes of `warden`, stable for scripts.
enum ExitCode : int {
  kOk = 0,
  kFailed = 1,            // anything else, including health NOT_SERVING
  kUsage = 2,             // bad command line
  kUnauthenticated = 3,   // bad credentials or token: log in again
  kRejected = 4,          // invalid argument, already exists, not found, permission denied
  kUnavailable = 5,       // server unreachable or timed out: retry later
  kResourceExhausted = 6  // rate limited or busy: retry later
};

// What the commands call: the seed's service, and the client stack under the admin and account
// commands (client::AdminClient).
struct Stubs {
  std::shared_ptr<client::AuthStub> auth;
  std::shared_ptr<client::UnaryInvoker> invoker;
};

// Builds the stubs for a target (host:port, dns:///name:port, ipv4:a:p,b:p) and transport;
// tests pass one that returns fakes. Returns an error when the target or the TLS files are bad.
using StubFactory = std::function<absl::StatusOr<Stubs>(const std::string& target,
                                                        const client::ChannelOptions& channel)>;

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

// Runs `warden` with `args` (without the program name) and returns its exit code.
// `environment` supplies WARDEN_ADDR, WARDEN_PASSWORD, WARDEN_CREDENTIALS, HOME, XDG_CONFIG_HOME.
// The usage text (`warden --help`).
std::string UsageText();

int Run(const std::vector<std::string>& args, const std::map<std::string, std::string>& environment,
        const StubFactory& stubs, Io io);

}  // namespace warden::cli
