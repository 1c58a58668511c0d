#pragma once

#include <grpcpp/server.h>
#include <grpcpp/support/server_interceptor.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/connection_table.h"
#include "guard/client_address.h"
#include "server/connection_gate.h"
#include "server/edge_metrics.h"
#include "server/grpc_transport.h"
#include "server/listener_probe.h"

namespace warden::server {

// One gRPC server on one address, built the way every Warden listener is: a plaintext TCP
// address accepts through a ConnectionGate (connection caps, preface timeout, the reset
// budget), while one gRPC must own (TLS, unix:) is watched by a self-probe instead; transport
// limits on both. Probe() tells whether it still takes new connections.
//
// Thread-safe. Keeps references to `connections` and the services.
class GrpcListener {
 public:
  using Interceptors =
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>;
  struct Options {
    std::string name;     // for logs and metrics ("grpc", "health")
    std::string address;  // HOST:PORT (port 0: any) or unix:PATH
    TlsOptions tls;
    TransportLimits limits;
    bool reflection = false;
    int max_connections = 0;  // gate: 0 picks from the descriptor limit
    int max_connections_per_address = 0;
    std::vector<guard::Cidr> exempt;  // addresses without a per-address cap (trusted proxies)
  };
  // Makes the interceptor factories of one build of the listener.
  using InterceptorsFor = std::function<Interceptors()>;

  static absl::StatusOr<std::unique_ptr<GrpcListener>> Start(
      Options options, const std::vector<grpc::Service*>& services, ConnectionTable& connections,
      const InterceptorsFor& interceptors = {});

  int port() const { return port_; }
  // The gate still accepts, or gRPC's own listener still answers a new connection.
  absl::Status Probe();
  // Reports the listener's connections (gated) or whether it is up (probed).
  void Report(EdgeMetrics& metrics) const;
  // No new connections; calls in flight go on. Idempotent.
  void StopAccepting();
  // Drains the calls until `deadline`, then cancels the rest.
  void Shutdown(std::chrono::system_clock::time_point deadline);
  void Wait() { server_->Wait(); }

 private:
  explicit GrpcListener(Options options) : options_(std::move(options)) {}

  const Options options_;
  std::unique_ptr<grpc::Server> server_;
  // Declared after the server it feeds, so it stops first.
  std::unique_ptr<ConnectionGate> gate_;
  std::unique_ptr<ListenerProbe> probe_;
  int port_ = 0;
};

}  // namespace warden::server
