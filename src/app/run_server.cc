#include <signal.h>
#include <spdlog/spdlog.h>

#include "absl/synchronization/mutex.h"
#include "app/warden_server.h"

namespace warden::app {

int RunServer(const config::ServerConfig& config) {
  // Block the stop signals in every thread; this one waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Debian's abseil keeps mutex deadlock detection on: a debugging aid that updates a lock-order
  // graph on every Lock of every absl::Mutex, gRPC's included (GraphCycles::GetId/InsertEdge:
  // several thousand instructions per ValidateToken, bench/RESULTS.md "Instructions per call").
  // The server process does without it; tests that build the server in-process keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::StatusOr<std::unique_ptr<WardenServer>> server = WardenServer::Start(config);
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", std::string(server.status().message()));
    return server.status().code() == absl::StatusCode::kInvalidArgument ||
                   server.status().code() == absl::StatusCode::kNotFound
               ? 2
               : 1;
  }
  const std::string host = config.transport.listen.substr(0, config.transport.listen.rfind(':'));
  if ((*server)->http_port() != 0) {
    spdlog::info("HTTP listening on {}:{} (JWKS at {}/.well-known/jwks.json)",
                 config.transport.http_listen.substr(0, config.transport.http_listen.rfind(':')),
                 (*server)->http_port(), (*server)->public_url());
  }
  if ((*server)->health_port() != 0) {
    spdlog::info(
        "health listening on {}:{} (plaintext, grpc.health.v1 only)",
        config.transport.health_listen.substr(0, config.transport.health_listen.rfind(':')),
        (*server)->health_port());
  }
  // Last: tools wait for this line.
  spdlog::info(
      "listening on {}:{} ({}; gRPC: auth.AuthService, warden.v1.AdminService, "
      "warden.v1.AccountService, warden.v1.KeyService, warden.v1.RevocationService, "
      "grpc.health.v1.Health{})",
      host, (*server)->port(),
      config.tls.cert_file.empty()        ? "plaintext"
      : config.tls.client_ca_file.empty() ? "TLS"
      : config.tls.client_auth == config::ClientAuth::kRequire
          ? "mutual TLS, client certificate required"
          : "TLS, client certificate optional",
      config.transport.reflection ? ", reflection" : "");
  if (config.dev) {
    spdlog::warn("dev mode is on: keys under {} were made for development", config.data_dir);
  }
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("received {}, draining for up to {}s", signal == SIGTERM ? "SIGTERM" : "SIGINT",
               config.transport.drain.count());
  if (config.transport.drain_delay.count() > 0) {
    (*server)->BeginDrain();
    spdlog::info("NOT_SERVING; still serving for {}s while load balancers notice",
                 config.transport.drain_delay.count());
    // A second SIGTERM/SIGINT cuts the delay short.
    const timespec delay{.tv_sec = static_cast<time_t>(config.transport.drain_delay.count()),
                         .tv_nsec = 0};
    sigtimedwait(&signals, nullptr, &delay);
  }
  (*server)->Shutdown(std::chrono::system_clock::now() + config.transport.drain);
  spdlog::info("stopped");
  return 0;
}

}  // namespace warden::app
