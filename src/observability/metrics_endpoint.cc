#include "observability/metrics_endpoint.h"

#include <prometheus/text_serializer.h>

namespace warden::observability {

std::string MetricsEndpoint::Scrape() const {
  for (const std::function<void()>& refresh : refreshers_) {
    refresh();
  }
  return prometheus::TextSerializer().Serialize(registry_.Collect());
}

DbPoolGauges::DbPoolGauges(prometheus::Registry& registry)
    : connections_(prometheus::BuildGauge()
                       .Name("warden_db_pool_connections")
                       .Help("Database connections of this replica by pool (primary, or the read "
                             "replica) and state (PostgreSQL).")
                       .Register(registry)),
      timeouts_(prometheus::BuildGauge()
                    .Name("warden_db_pool_acquire_timeouts")
                    .Help("Calls that found no free database connection in time (answered "
                          "UNAVAILABLE), since start, by pool.")
                    .Register(registry)) {}

void DbPoolGauges::Add(const std::string& pool, Stats stats) {
  pools_.push_back(Pool{.stats = std::move(stats),
                        .open = &connections_.Add({{"pool", pool}, {"state", "open"}}),
                        .in_use = &connections_.Add({{"pool", pool}, {"state", "in_use"}}),
                        .timeouts = &timeouts_.Add({{"pool", pool}})});
}

void DbPoolGauges::Refresh() const {
  for (const Pool& pool : pools_) {
    const std::array<double, 3> stats = pool.stats();
    pool.open->Set(stats[0]);
    pool.in_use->Set(stats[1]);
    pool.timeouts->Set(stats[2]);
  }
}

RedisGauges::RedisGauges(prometheus::Registry& registry, Sources sources)
    : sources_(std::move(sources)) {
  if (sources_.bus_connected) {
    connected_ = &prometheus::BuildGauge()
                      .Name("warden_redis_connected")
                      .Help(
                          "1 while the Redis revocation bus is subscribed; 0 means revocations "
                          "reach other replicas only through the store.")
                      .Register(registry)
                      .Add({});
  }
  if (sources_.limits_healthy) {
    shared_ = &prometheus::BuildGauge()
                   .Name("warden_redis_limits_shared")
                   .Help(
                       "1 while rate limits and login counters are shared through Redis; 0 "
                       "means each replica counts on its own.")
                   .Register(registry)
                   .Add({});
  }
  if (sources_.failures) {
    fallbacks_ = &prometheus::BuildCounter()
                      .Name("warden_redis_fallbacks_total")
                      .Help(
                          "Rate-limit and login checks answered from this replica's own "
                          "counters because Redis could not answer.")
                      .Register(registry)
                      .Add({});
  }
}

void RedisGauges::Refresh() {
  if (connected_ != nullptr) {
    connected_->Set(sources_.bus_connected() ? 1 : 0);
  }
  if (shared_ != nullptr) {
    shared_->Set(sources_.limits_healthy() ? 1 : 0);
  }
  if (fallbacks_ != nullptr) {
    // Advance the counter by what no concurrent scrape has reported yet.
    const int64_t failures = sources_.failures();
    int64_t reported = reported_.load();
    while (failures > reported && !reported_.compare_exchange_weak(reported, failures)) {
    }
    if (failures > reported) {
      fallbacks_->Increment(static_cast<double>(failures - reported));
    }
  }
}

void RegisterBuildInfo(prometheus::Registry& registry, const std::string& version) {
  prometheus::BuildGauge()
      .Name("warden_build_info")
      .Help("Always 1; the labels say which build is running.")
      .Register(registry)
      .Add({{"version", version}})
      .Set(1);
}

}  // namespace warden::observability
