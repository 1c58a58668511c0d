// WardenServer's gauges that are read at scrape time: queue depths, key age, Redis, process and
// edge state, database pools, build info.
#include "app/warden_server.h"

namespace warden::app {

void WardenServer::RegisterScrapeGauges() {
  metrics_ = std::make_unique<observability::MetricsEndpoint>(*registry_);
  metrics_->OnScrape([metrics = auth_metrics_.get(), hash = hash_pool_.get(), io = io_pool_.get(),
                      housekeeping = housekeeping_.get(), &clock = clock_] {
    metrics->hash_queue_depth().Set(static_cast<double>(hash->PendingForTest()));
    metrics->io_queue_depth().Set(static_cast<double>(io->PendingForTest()));
    const auto age = clock.WallNow() - housekeeping->signing_since();
    metrics->signing_key_age().Set(
        static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(age).count()));
  });
  redis_gauges_ = std::make_unique<observability::RedisGauges>(
      *registry_,
      observability::RedisGauges::Sources{
          .bus_connected = redis_bus_ == nullptr
                               ? std::function<bool()>()
                               : [bus = redis_bus_.get()] { return bus->Connected(); },
          .limits_healthy = redis_limits_ == nullptr
                                ? std::function<bool()>()
                                : [redis = redis_limits_.get()] { return redis->Healthy(); },
          .failures = redis_limits_ == nullptr
                          ? std::function<int64_t()>()
                          : [redis = redis_limits_.get()] { return redis->Failures(); }});
  metrics_->OnScrape([gauges = redis_gauges_.get()] { gauges->Refresh(); });
  edge_metrics_ = std::make_unique<server::EdgeMetrics>(*registry_);
  // The health listener starts after this; the gauges ask for it at scrape time.
  metrics_->OnScrape([edge = edge_metrics_.get(), trimmer = trimmer_.get(),
                      &connections = connections_, &listener = listener_,
                      &health_listener = health_listener_] {
    edge->UpdateProcess(trimmer);
    edge->UpdateResetFloods(connections.reset_floods());
    for (const std::unique_ptr<server::GrpcListener>* each : {&listener, &health_listener}) {
      if (*each != nullptr) {
        (*each)->Report(*edge);
      }
    }
  });
  pool_gauges_ = std::make_unique<observability::DbPoolGauges>(*registry_);
  if (stores_.pool_stats) {
    pool_gauges_->Add("primary", stores_.pool_stats);
  }
  if (stores_.read_pool_stats) {
    pool_gauges_->Add("read", stores_.read_pool_stats);
  }
  metrics_->OnScrape([gauges = pool_gauges_.get()] { gauges->Refresh(); });
  observability::RegisterBuildInfo(*registry_, WARDEN_VERSION);
}

}  // namespace warden::app
