#include <gtest/gtest.h>

#include "app/warden_server.h"
#include "guard/guard_chain.h"
#include "storage/memory/memory_stores.h"

namespace warden::app {
namespace {

TEST(WardenServerPartsTest, ReadinessFollowsHealthAndSaysNothingOfRedisWithoutIt) {
  std::unique_ptr<guard::GuardChain> guards = guard::GuardChain::AllowAll();
  server::HealthService health(*guards);
  health.SetServing("auth.AuthService", false);
  EXPECT_FALSE(ReadinessOf(health, nullptr, nullptr).serving);
  health.SetServing("auth.AuthService", true);
  const server::Readiness ready = ReadinessOf(health, nullptr, nullptr);
  EXPECT_TRUE(ready.serving);
  EXPECT_EQ(ready.redis, server::Readiness::Redis::kNotConfigured);
}

TEST(WardenServerPartsTest, TheProbeAsksTheStore) {
  storage::InMemoryUserStore store;
  EXPECT_TRUE(ProbeOf(store, {nullptr, nullptr}).ok());
}

}  // namespace
}  // namespace warden::app
