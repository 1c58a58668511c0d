#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "app/server_options.h"
#include "app/signing.h"
#include "app/stores.h"
#include "common/clock.h"
#include "common/connection_table.h"
#include "common/process_resources.h"
#include "common/worker_pool.h"
#include "config/server_config.h"
#include "core/admin_service.h"
#include "core/api_key_service.h"
#include "core/auth_service.h"
#include "core/login_throttle.h"
#include "core/revocation_list.h"
#include "crypto/argon2id_hasher.h"
#include "crypto/sodium_primitives.h"
#include "guard/guard_chain.h"
#include "observability/audit_writer.h"
#include "observability/auth_metrics.h"
#include "observability/grpc_metrics.h"
#include "observability/metrics_endpoint.h"
#include "observability/span_exporter.h"
#include "observability/store_metrics.h"
#include "server/admin_grpc_service.h"
#include "server/auth_grpc_service.h"
#include "server/edge_metrics.h"
#include "server/grpc_listener.h"
#include "server/health_prober.h"
#include "server/health_service.h"
#include "server/housekeeping.h"
#include "server/key_grpc_service.h"
#include "server/public_endpoints.h"
#include "server/revocation_grpc_service.h"
#include "storage/redis/redis_client.h"
#include "storage/redis/redis_revocation_bus.h"

namespace warden::app {

// The composition root: the only place that constructs concrete stores, hashers, codecs and
// services and wires them together. It holds no behaviour of its own: each part lives in its
// layer (guards in guard/, HTTP routes and housekeeping in server/, scrape-time gauges in
// observability/, signing set-up in app/signing).
//
// Ownership: members are declared in dependency order, so each is destroyed before what it
// refers to. Shutdown() is the one place that says what stops, and in which order.
//
// Thread-safe. Shutdown() may be called from any thread, once or more.
// What /readyz says: SERVING health, and Redis's state when Redis is configured (`limits` null:
// limits are counted per replica).
server::Readiness ReadinessOf(const server::HealthService& health,
                              const storage::RedisRevocationBus* bus, storage::RedisClient* limits);
// The health probe: the store answers, and every listener still accepts new connections.
absl::Status ProbeOf(core::UserStore& store,
                     std::initializer_list<server::GrpcListener*> listeners);

class WardenServer {
 public:
  // Builds everything from `config` and starts listening. Errors name what failed (key file,
  // database, address) and are meant for an operator.
  static absl::StatusOr<std::unique_ptr<WardenServer>> Start(const config::ServerConfig& config);
  ~WardenServer();

  // The port actually bound (useful with port 0).
  int port() const { return listener_->port(); }
  // The plaintext health listener's port (0 when it is off).
  int health_port() const { return health_listener_ == nullptr ? 0 : health_listener_->port(); }
  core::AdminService& admin() { return *admin_; }
  // The Redis revocation bus, or nullptr without --redis.
  storage::RedisRevocationBus* redis_bus() { return redis_bus_.get(); }
  // nullptr when API keys are unavailable (no master key outside --dev).
  core::ApiKeyService* api_keys() { return api_keys_.get(); }
  server::HealthService& health() { return *health_; }
  core::AuthService& auth() { return *auth_; }
  crypto::KeyRing& key_ring() { return *signing_.key_ring; }
  // The key rotation of a managed ring, or nullptr (fixed key or HS256).
  core::KeyRotation* key_rotation() { return signing_.rotation.get(); }
  prometheus::Registry& registry() { return *registry_; }
  // The HTTP listener's port (0 when it is off) and public base URL.
  int http_port() const { return http_ == nullptr ? 0 : http_->port(); }
  const std::string& public_url() const;
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
  // The steps of Start, in order.
  absl::Status PrepareProcess();
  absl::Status BuildCore();
  absl::Status BuildAdministration();
  absl::Status StartGrpc();
  void RegisterScrapeGauges();
  absl::Status StartPublicEndpoints();
  absl::Status StartHealthListener();
  void StartBackground();

  // The access log or spans are on.
  bool Observed() const {
    return config_.observability.access_log != config::AccessLog::kOff ||
           !config_.observability.otlp_endpoint.empty();
  }
  server::GrpcListener::Options ListenerOptions(const std::string& name, const std::string& address,
                                                int max_connections) const;
  // What the call observers are made of (see ObserversOf).
  ObserverParts ObserverPartsNow();

  const config::ServerConfig config_;
  // Process-wide: client addresses of the connections the gates accepted; memory trimming.
  ConnectionTable connections_;
  std::unique_ptr<MemoryTrimmer> trimmer_;
  std::vector<guard::Cidr> trusted_proxies_;

  // Observability.
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<observability::AuthMetrics> auth_metrics_;  // null without --metrics
  std::unique_ptr<observability::StoreMetrics> store_metrics_;
  std::unique_ptr<observability::GrpcServerMetrics> grpc_metrics_;
  std::unique_ptr<server::EdgeMetrics> edge_metrics_;
  std::unique_ptr<observability::DbPoolGauges> pool_gauges_;
  std::unique_ptr<observability::RedisGauges> redis_gauges_;
  std::unique_ptr<observability::MetricsEndpoint> metrics_;
  std::unique_ptr<observability::SpanExporter> span_exporter_;
  // Metrics, access log and spans, reset budget of every call; the services bind to it.
  std::unique_ptr<observability::CallObservers> call_observers_;

  // Primitives and stores.
  SystemClock clock_;
  crypto::SodiumRandomSource random_;
  crypto::Sha256TokenHasher token_hasher_;
  crypto::SodiumTokenSealer token_sealer_;
  std::unique_ptr<crypto::Argon2idPasswordHasher> hasher_;
  Stores stores_;
  std::unique_ptr<core::UserStore> metered_users_;  // the stores, timed (with --metrics)
  std::unique_ptr<core::SessionStore> metered_sessions_;
  std::unique_ptr<observability::AuditWriter> audit_writer_;
  std::optional<crypto::MasterKey> master_key_;
  Signing signing_;
  core::RevocationList revocations_;

  // Shared state across replicas (--redis).
  std::unique_ptr<storage::RedisClient> redis_limits_;  // null: limits counted per replica
  std::unique_ptr<storage::RedisRevocationBus> redis_bus_;

  // Use cases, and the pools that run them.
  std::unique_ptr<core::LoginThrottle> throttle_;
  std::unique_ptr<core::AuthService> auth_;
  std::unique_ptr<WorkerPool> hash_pool_;
  std::unique_ptr<WorkerPool> io_pool_;
  std::unique_ptr<crypto::HmacSha256TokenHasher> api_key_hasher_;
  std::unique_ptr<core::ApiKeyService> api_keys_;  // null without a master key
  std::unique_ptr<core::AdminService> admin_;

  // Admission, then the services that bind their methods in it.
  std::unique_ptr<guard::GuardChain> guards_;
  // The health-only plaintext listener serves probes: no credentials, no limits by design.
  std::unique_ptr<guard::GuardChain> probe_guards_ = guard::GuardChain::AllowAll();
  std::unique_ptr<server::AuthGrpcService> auth_service_;
  std::unique_ptr<server::KeyGrpcService> key_service_;
  std::unique_ptr<server::RevocationGrpcService> revocation_service_;
  std::unique_ptr<server::AdminGrpcService> admin_service_;
  std::unique_ptr<server::AccountGrpcService> account_service_;
  std::unique_ptr<server::HealthService> plain_health_;  // the health-only listener's instance
  std::unique_ptr<server::HealthService> health_;        // mirrors into plain_health_

  // Listeners: the main one, and the optional plaintext health-only one.
  std::unique_ptr<server::GrpcListener> listener_;
  std::unique_ptr<server::GrpcListener> health_listener_;
  std::unique_ptr<server::PublicEndpoints> http_;

  // Background work.
  std::unique_ptr<server::Housekeeping> housekeeping_;
  std::unique_ptr<server::HealthProber> prober_;
  std::unique_ptr<server::RevocationSync> revocation_sync_;  // PostgreSQL only
  std::once_flag shutdown_once_;
};

// Runs wardend until SIGTERM or SIGINT, then drains within config.transport.drain. Returns the exit
// code.
int RunServer(const config::ServerConfig& config);

}  // namespace warden::app
