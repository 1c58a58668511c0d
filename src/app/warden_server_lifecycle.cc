// WardenServer once it is built: the background work it starts, what it reports as ready and
// healthy, and the order it stops in.
#include <spdlog/spdlog.h>

#include "app/warden_server.h"

namespace warden::app {
namespace {

constexpr char kAuthServiceName[] = "auth.AuthService";
constexpr auto kProbeInterval = std::chrono::seconds(5);

}  // namespace

server::Readiness ReadinessOf(const server::HealthService& health,
                              const storage::RedisRevocationBus* bus,
                              storage::RedisClient* limits) {
  using Redis = server::Readiness::Redis;
  server::Readiness readiness{.serving = health.StatusOf(kAuthServiceName) ==
                                         ::grpc::health::v1::HealthCheckResponse::SERVING};
  // Without Redis the replica still serves (revocations travel through the store, limits are
  // counted per replica): ready, but say so.
  if (bus != nullptr) {
    const bool up = bus->Connected() && (limits == nullptr || limits->Healthy());
    readiness.redis = up                  ? Redis::kConnected
                      : limits != nullptr ? Redis::kDownFanOutAndLimits
                                          : Redis::kDownFanOut;
  }
  return readiness;
}

absl::Status ProbeOf(core::UserStore& store,
                     std::initializer_list<server::GrpcListener*> listeners) {
  absl::Status reachable = store.Ping();
  for (server::GrpcListener* listener : listeners) {
    if (listener != nullptr) {
      if (absl::Status accepting = listener->Probe(); !accepting.ok()) {
        return accepting;
      }
    }
  }
  return reachable;
}

void WardenServer::StartBackground() {
  health_->SetServing("", true);
  health_->SetServing(kAuthServiceName, true);
  prober_ = std::make_unique<server::HealthProber>(
      *health_,
      [store = stores_.users.get(), grpc = listener_.get(), health = health_listener_.get()] {
        return ProbeOf(*store, {grpc, health});
      },
      [housekeeping = housekeeping_.get()] { housekeeping->Tick(); },
      server::HealthProber::Options{.interval = kProbeInterval,
                                    .services = {"", kAuthServiceName}});
  prober_->Start();
  // Only a shared server database has other replicas' revocations to pull; on the embedded
  // SQLite file this replica made them all, and the poll would only contend for its connection.
  if (config_.storage.revocation_sync.count() > 0 && stores_.backend == "postgres") {
    revocation_sync_ = std::make_unique<server::RevocationSync>(
        [auth = auth_.get()] { return auth->LoadRevocations(); }, config_.storage.revocation_sync);
  }
}

void WardenServer::BeginDrain() {
  if (prober_ != nullptr) {
    prober_->Stop();  // it would turn the services SERVING again
  }
  health_->SetServing("", false);
  health_->SetServing(kAuthServiceName, false);
}

// What stops, in which order: first what feeds work in (Redis, the revocation poll, the probe),
// then health and the streams (watchers see NOT_SERVING and end), the HTTP listener and the
// gates (no new connections), then gRPC drains the calls it has until `deadline`; the pools and
// the audit writer stop last, after the last call that could use them.
void WardenServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  std::call_once(shutdown_once_, [this, deadline] {
    if (redis_bus_ != nullptr) {
      redis_bus_->Stop();
    }
    if (revocation_sync_ != nullptr) {
      revocation_sync_->Stop();
    }
    if (prober_ != nullptr) {
      prober_->Stop();
    }
    health_->Shutdown();
    revocation_service_->Shutdown();
    if (http_ != nullptr) {
      http_->Stop();
    }
    for (server::GrpcListener* listener : {listener_.get(), health_listener_.get()}) {
      if (listener != nullptr) {
        listener->StopAccepting();  // no new connections; the ones gRPC has are drained below
      }
    }
    listener_->Shutdown(deadline);
    if (health_listener_ != nullptr) {
      health_listener_->Shutdown(deadline);
    }
    trimmer_->Stop();
    hash_pool_->Stop();
    io_pool_->Stop();
    audit_writer_->Stop();  // after the last call that could record an event
    if (span_exporter_ != nullptr) {
      span_exporter_->Stop();
    }
  });
}

void WardenServer::Wait() { listener_->Wait(); }

WardenServer::~WardenServer() {
  if (listener_ != nullptr) {
    Shutdown(std::chrono::system_clock::now());
  }
}

}  // namespace warden::app
