#pragma once

#include <grpcpp/security/credentials.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace warden::server {

// Checks from inside the process that a listener still accepts new connections: grpc++ 1.51's
// own accept loop stops for good after EMFILE (CVE-2023-4785) while connections it already has
// keep working, so a check over a pooled connection would stay green. Each probe opens a new
// connection (a channel of its own, never a shared subchannel) and calls
// grpc.health.v1.Health/Check. Any answer, even a refusal or a failed TLS handshake, means the
// listener accepted; only silence until the deadline counts as a failure, and
// `failures_to_down` in a row mark it down.
//
// Thread-safe. Keeps no references.
class ListenerProbe {
 public:
  struct Options {
    std::string target;  // "127.0.0.1:50051"
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    std::chrono::milliseconds deadline{2000};
    int failures_to_down = 3;
  };

  explicit ListenerProbe(Options options);

  // Probes once (blocks up to the deadline); returns whether the listener counts as up.
  bool ProbeOnce();
  bool up() const { return up_.load(); }

  // Credentials that complete a TLS handshake with any server certificate: the probe asks
  // whether the listener answers, not who it is.
  static std::shared_ptr<grpc::ChannelCredentials> UnverifiedTlsCredentials();

 private:
  const Options options_;
  std::atomic<int> failures_{0};
  std::atomic<bool> up_{true};
};

}  // namespace warden::server
