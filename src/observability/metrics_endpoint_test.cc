#include "observability/metrics_endpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace warden::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsEndpointTest, RefreshersRunBeforeEveryScrape) {
  prometheus::Registry registry;
  prometheus::Gauge& gauge =
      prometheus::BuildGauge().Name("test_value").Help("h").Register(registry).Add({});
  MetricsEndpoint endpoint(registry);
  int reads = 0;
  endpoint.OnScrape([&] { gauge.Set(++reads); });
  EXPECT_THAT(endpoint.Scrape(), HasSubstr("test_value 1"));
  EXPECT_THAT(endpoint.Scrape(), HasSubstr("test_value 2"));
}

TEST(DbPoolGaugesTest, ReadsEachPoolAtScrapeTime) {
  prometheus::Registry registry;
  DbPoolGauges pools(registry);
  std::array<double, 3> primary{4, 1, 0};
  pools.Add("primary", [&] { return primary; });
  pools.Add("read", [] { return std::array<double, 3>{2, 2, 7}; });
  MetricsEndpoint endpoint(registry);
  endpoint.OnScrape([&] { pools.Refresh(); });
  primary = {5, 3, 1};
  const std::string text = endpoint.Scrape();
  EXPECT_THAT(text, HasSubstr("warden_db_pool_connections{pool=\"primary\",state=\"open\"} 5"));
  EXPECT_THAT(text, HasSubstr("warden_db_pool_connections{pool=\"primary\",state=\"in_use\"} 3"));
  EXPECT_THAT(text, HasSubstr("warden_db_pool_acquire_timeouts{pool=\"read\"} 7"));
}

TEST(RedisGaugesTest, OnlyTheConfiguredSeriesAndTheFallbackCounterNeverDoubleCounts) {
  prometheus::Registry registry;
  std::atomic<int64_t> failures{0};
  RedisGauges redis(registry, {.limits_healthy = [] { return false; },
                               .failures = [&] { return failures.load(); }});
  MetricsEndpoint endpoint(registry);
  endpoint.OnScrape([&] { redis.Refresh(); });
  failures = 3;
  std::string text = endpoint.Scrape();
  EXPECT_THAT(text, Not(HasSubstr("warden_redis_connected")));  // no bus configured
  EXPECT_THAT(text, HasSubstr("warden_redis_limits_shared 0"));
  EXPECT_THAT(text, HasSubstr("warden_redis_fallbacks_total 3"));
  failures = 10;
  std::vector<std::thread> scrapes;
  for (int i = 0; i < 4; ++i) {
    scrapes.emplace_back([&] { endpoint.Scrape(); });
  }
  for (std::thread& scrape : scrapes) {
    scrape.join();
  }
  EXPECT_THAT(endpoint.Scrape(), HasSubstr("warden_redis_fallbacks_total 10"));
}

TEST(BuildInfoTest, NamesTheVersion) {
  prometheus::Registry registry;
  RegisterBuildInfo(registry, "1.2.3");
  EXPECT_THAT(MetricsEndpoint(registry).Scrape(),
              HasSubstr("warden_build_info{version=\"1.2.3\"} 1"));
}

}  // namespace
}  // namespace warden::observability
