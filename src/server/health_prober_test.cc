#include "server/health_prober.h"

#include <gtest/gtest.h>

namespace warden::server {
namespace {

using Status = ::grpc::health::v1::HealthCheckResponse;

TEST(HealthProberTest, FailingProbeTurnsServicesNotServingAndBack) {
  std::unique_ptr<guard::GuardChain> guards = guard::GuardChain::AllowAll();
  HealthService health(*guards);
  health.SetServing("", true);
  health.SetServing("auth.AuthService", true);
  absl::Status next = absl::UnavailableError("database is locked");
  int ticks = 0;
  HealthProber prober(
      health, [&] { return next; }, [&] { ++ticks; }, {.services = {"", "auth.AuthService"}});
  EXPECT_FALSE(prober.ProbeOnce().ok());
  EXPECT_EQ(health.StatusOf(""), Status::NOT_SERVING);
  EXPECT_EQ(health.StatusOf("auth.AuthService"), Status::NOT_SERVING);
  next = absl::OkStatus();
  EXPECT_TRUE(prober.ProbeOnce().ok());
  EXPECT_EQ(health.StatusOf(""), Status::SERVING);
  EXPECT_EQ(health.StatusOf("auth.AuthService"), Status::SERVING);
  EXPECT_EQ(ticks, 2);
}

TEST(HealthProberTest, StopsPromptly) {
  std::unique_ptr<guard::GuardChain> guards = guard::GuardChain::AllowAll();
  HealthService health(*guards);
  HealthProber prober(health, [] { return absl::OkStatus(); }, nullptr,
                      {.interval = std::chrono::hours(1), .services = {""}});
  prober.Start();
  prober.Stop();  // must not wait for the hour
  prober.Stop();
  SUCCEED();
}

}  // namespace
}  // namespace warden::server
