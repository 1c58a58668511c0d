#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "app/stores.h"
#include "common/clock.h"
#include "common/connection_table.h"
#include "common/process_resources.h"
#include "common/worker_pool.h"
#include "config/server_config.h"
#include "core/admin_service.h"
#include "core/api_key_service.h"
#include "core/auth_service.h"
#include "core/key_rotation.h"
#include "core/login_throttle.h"
#include "core/revocation_list.h"
#include "crypto/argon2id_hasher.h"
#include "crypto/key_ring.h"
#include "crypto/master_key.h"
#include "crypto/sodium_primitives.h"
#include "guard/guard_chain.h"
#include "observability/audit_writer.h"
#include "observability/auth_metrics.h"
#include "observability/grpc_metrics.h"
#include "observability/span_exporter.h"
#include "observability/store_metrics.h"
#include "server/admin_grpc_service.h"
#include "server/auth_grpc_service.h"
#include "server/connection_gate.h"
#include "server/edge_metrics.h"
#include "server/health_prober.h"
#include "server/health_service.h"
#include "server/http_server.h"
#include "server/key_grpc_service.h"
#include "server/listener_probe.h"
#include "server/revocation_grpc_service.h"
#include "storage/redis/redis_client.h"
#include "storage/redis/redis_login_throttle.h"
#include "storage/redis/redis_rate_limiter.h"
#include "storage/redis/redis_revocation_bus.h"

namespace warden::app {

// The composition root: the only place that constructs concrete stores, hashers, codecs and
// services, wires them together and starts the gRPC server.
//
// Thread-safe. Shutdown() may be called from any thread, once or more.
class WardenServer {
 public:
  // Builds everything from `config` and starts listening. Errors name what failed (key file,
  // database, address) and are meant for an operator.
  static absl::StatusOr<std::unique_ptr<WardenServer>> Start(const config::ServerConfig& config);
  ~WardenServer();

  // The port actually bound (useful with port 0).
  int port() const { return port_; }
  // The plaintext health listener's port (0 when it is off).
  int health_port() const { return health_port_; }
  core::AdminService& admin() { return *admin_; }
  // The Redis revocation bus, or nullptr without --redis.
  storage::RedisRevocationBus* redis_bus() { return redis_bus_.get(); }
  // nullptr when API keys are unavailable (no master key outside --dev).
  core::ApiKeyService* api_keys() { return api_keys_.get(); }
  server::HealthService& health() { return *health_; }
  core::AuthService& auth() { return *auth_; }
  crypto::KeyRing& key_ring() { return *key_ring_; }
  // The key rotation of a managed ring, or nullptr (fixed key or HS256).
  core::KeyRotation* key_rotation() { return key_rotation_.get(); }
  prometheus::Registry& registry() { return *registry_; }
  // The HTTP listener's port (0 when it is off) and public base URL.
  int http_port() const { return http_ == nullptr ? 0 : http_->port(); }
  const std::string& public_url() const { return public_url_; }
  // Writes the queued audit events now (tests).
  void FlushAuditForTest() { audit_writer_->FlushForTest(); }
  // Runs the store probe and housekeeping now (normally every 5 s).
  absl::Status ProbeForTest() { return prober_->ProbeOnce(); }
  // Calls waiting for or running on the hashing pool.
  size_t PendingHashJobsForTest() const { return hash_pool_->PendingForTest(); }

  // Health turns NOT_SERVING (Check, Watch, /readyz) while calls are still served: the first step
  // of a graceful drain, so load balancers stop sending before the server stops accepting.
  void BeginDrain();
  // Drains: health NOT_SERVING, Watch streams end, in-flight calls get until `deadline`, then
  // the rest are cancelled. Idempotent.
  void Shutdown(std::chrono::system_clock::time_point deadline);
  // Blocks until the server has shut down.
  void Wait();

 private:
  explicit WardenServer(const config::ServerConfig& config);
  absl::Status Build();
  absl::Status BuildKeyRing();
  void TickKeyRotation();
  absl::Status StartHttp();
  // The observing interceptor (access log / spans) is installed when either is on; it removes
  // the principal trailer, so only then may handlers add it.
  bool Observed() const { return config_.access_log != "off" || !config_.otlp_endpoint.empty(); }
  absl::Status ResolveMasterKey();
  absl::Status BuildAdministration(core::UserStore& users, core::SessionStore& sessions);
  absl::Status StartHealthListener();
  // A gate for a plaintext TCP listener, or nullptr when gRPC must own it (TLS, unix:).
  absl::StatusOr<std::unique_ptr<server::ConnectionGate>> GateFor(const std::string& address,
                                                                  bool tls, int max_connections);
  // The store answers, and every listener still accepts new connections.
  absl::Status Probe();
  std::string DiscoveryDocument() const;

  const config::ServerConfig config_;
  // Client addresses of the connections the gates accepted (read by admission and the logs).
  ConnectionTable connections_;
  std::unique_ptr<MemoryTrimmer> trimmer_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<server::EdgeMetrics> edge_metrics_;
  std::unique_ptr<observability::GrpcServerMetrics> grpc_metrics_;
  std::unique_ptr<observability::AuthMetrics> auth_metrics_;
  std::unique_ptr<observability::SpanExporter> span_exporter_;
  std::atomic<int64_t> signing_since_seconds_{0};
  SystemClock clock_;
  crypto::SodiumRandomSource random_;
  crypto::Sha256TokenHasher token_hasher_;
  crypto::SodiumTokenSealer token_sealer_;
  std::unique_ptr<crypto::Argon2idPasswordHasher> hasher_;
  std::unique_ptr<crypto::KeyRing> key_ring_;
  std::unique_ptr<core::KeyRotation> key_rotation_;
  std::unique_ptr<server::HttpServer> http_;
  std::string public_url_;
  Stores stores_;
  struct PoolGauges {
    std::function<std::array<double, 3>()> stats;
    prometheus::Gauge* open;
    prometheus::Gauge* in_use;
    prometheus::Gauge* timeouts;
  };
  std::vector<PoolGauges> pool_gauges_;  // the primary pool, and the read replica's if any
  std::unique_ptr<observability::StoreMetrics> store_metrics_;
  std::unique_ptr<core::UserStore> metered_users_;
  std::unique_ptr<core::SessionStore> metered_sessions_;
  std::unique_ptr<observability::AuditWriter> audit_writer_;
  core::RevocationList revocations_;
  std::unique_ptr<core::AuthService> auth_;
  std::unique_ptr<WorkerPool> hash_pool_;
  std::unique_ptr<WorkerPool> io_pool_;
  std::unique_ptr<server::AuthGrpcService> auth_service_;
  std::unique_ptr<server::KeyGrpcService> key_service_;
  std::unique_ptr<server::RevocationGrpcService> revocation_service_;
  // Declared before the services that bind their methods in it.
  std::unique_ptr<guard::GuardChain> guards_;
  // The health-only plaintext listener serves probes: no credentials, no limits by design.
  std::unique_ptr<guard::GuardChain> probe_guards_ = guard::GuardChain::AllowAll();
  std::unique_ptr<server::HealthService> plain_health_;  // the health-only listener's instance
  std::unique_ptr<server::HealthService> health_;
  std::optional<crypto::MasterKey> master_key_;
  std::unique_ptr<core::LoginThrottle> throttle_;
  std::unique_ptr<crypto::HmacSha256TokenHasher> api_key_hasher_;
  std::unique_ptr<core::ApiKeyService> api_keys_;
  std::unique_ptr<core::AdminService> admin_;
  std::unique_ptr<server::AdminGrpcService> admin_service_;
  std::unique_ptr<server::AccountGrpcService> account_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> health_server_;
  int health_port_ = 0;
  // Plaintext TCP listeners accept through a gate (declared after the servers they feed, so
  // they stop first); a listener gRPC owns (TLS, unix:) is watched by the probe instead.
  std::unique_ptr<server::ConnectionGate> gate_;
  std::unique_ptr<server::ConnectionGate> health_gate_;
  std::unique_ptr<server::ListenerProbe> listener_probe_;

  std::unique_ptr<storage::RedisRevocationBus> redis_bus_;
  // Shared rate limits and login counters (nullptr without --redis or with shared limits off).
  std::unique_ptr<storage::RedisClient> redis_limits_;
  prometheus::Gauge* redis_connected_ = nullptr;
  prometheus::Gauge* redis_limits_shared_ = nullptr;
  prometheus::Counter* redis_fallbacks_ = nullptr;
  std::atomic<int64_t> redis_fallbacks_reported_{0};  // scrapes may run concurrently
  std::unique_ptr<server::HealthProber> prober_;
  // Pulls revocations made by other replicas from the shared store (every
  // config.revocation_sync), so a logout anywhere is honoured here within about that long.
  std::thread revocation_sync_;
  std::mutex sync_mutex_;
  std::condition_variable sync_stop_cv_;
  bool sync_stop_ = false;
  std::once_flag shutdown_once_;
};

// Runs wardend until SIGTERM or SIGINT, then drains within config.drain. Returns the exit code.
int RunServer(const config::ServerConfig& config);

}  // namespace warden::app
