#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace warden::observability {

// The body of GET /metrics: runs every refresher (gauges read from their sources at scrape
// time), then writes the registry in the Prometheus text format 0.0.4.
//
// Thread-safe once built: scrapes may run concurrently (refreshers must allow that). Keeps a
// reference to `registry`.
class MetricsEndpoint {
 public:
  static constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

  explicit MetricsEndpoint(prometheus::Registry& registry) : registry_(registry) {}
  // Adds a refresher, run before every scrape in the order added. Start-up only.
  void OnScrape(std::function<void()> refresh) { refreshers_.push_back(std::move(refresh)); }
  std::string Scrape() const;

 private:
  prometheus::Registry& registry_;
  std::vector<std::function<void()>> refreshers_;
};

// warden_db_pool_connections{pool,state} and warden_db_pool_acquire_timeouts{pool}, read from
// each pool's stats at scrape time (PostgreSQL; SQLite has no pool).
class DbPoolGauges {
 public:
  // {open, in use, acquire timeouts since start}
  using Stats = std::function<std::array<double, 3>()>;
  explicit DbPoolGauges(prometheus::Registry& registry);
  // Start-up only. `pool` is "primary" or "read".
  void Add(const std::string& pool, Stats stats);
  void Refresh() const;

 private:
  struct Pool {
    Stats stats;
    prometheus::Gauge* open;
    prometheus::Gauge* in_use;
    prometheus::Gauge* timeouts;
  };
  prometheus::Family<prometheus::Gauge>& connections_;
  prometheus::Family<prometheus::Gauge>& timeouts_;
  std::vector<Pool> pools_;
};

// warden_redis_connected, warden_redis_limits_shared and warden_redis_fallbacks_total, read from
// the Redis clients at scrape time. Each source may be empty (that part of Redis is off: its
// series is not registered).
class RedisGauges {
 public:
  struct Sources {
    std::function<bool()> bus_connected;   // the revocation bus is subscribed
    std::function<bool()> limits_healthy;  // shared limits answer
    std::function<int64_t()> failures;     // checks answered locally since start (monotonic)
  };
  RedisGauges(prometheus::Registry& registry, Sources sources);
  void Refresh();

 private:
  Sources sources_;
  prometheus::Gauge* connected_ = nullptr;
  prometheus::Gauge* shared_ = nullptr;
  prometheus::Counter* fallbacks_ = nullptr;
  std::atomic<int64_t> reported_{0};  // what the counter already holds
};

// warden_build_info{version} = 1.
void RegisterBuildInfo(prometheus::Registry& registry, const std::string& version);

}  // namespace warden::observability
