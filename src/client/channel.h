#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace warden::client {

// How to reach the server: plaintext, or TLS (server verified against `ca_file`, or the system
// roots when empty) with an optional client certificate for mutual TLS.
struct ChannelOptions {
  bool tls = false;
  std::string ca_file;
  std::string cert_file;  // client certificate (mTLS)
  std::string key_file;
  std::string server_name;  // overrides the name checked against the certificate
};

// The channel arguments of the client stack's channels:
// - service config: round_robin with client-side health checking of auth.AuthService, so a
//   replica that drains (NOT_SERVING) gets no new calls (ADR 0015);
// - keepalive every 60 s while calls are in flight (the server's ping policy allows one per
//   minute), 10 s to answer;
// - reconnect backoff 100 ms to 2 s, so a restarted replica is used again quickly;
// - `authority`, when set, as the :authority and the TLS name (a lane dials an IP address but
//   the certificate names the service).
grpc::ChannelArguments StackChannelArguments(const ChannelOptions& options,
                                             const std::string& authority);

// The transport credentials ChannelOptions describe (the PEM files read once), or an error naming
// an unreadable file.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const ChannelOptions& options);

// Returns a channel to `target` with `arguments`, or an error naming an unreadable file.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& target,
                                                           const ChannelOptions& options,
                                                           grpc::ChannelArguments arguments);
// The same with default arguments.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& target,
                                                           const ChannelOptions& options);
// A plaintext channel with default arguments.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target);

}  // namespace warden::client
