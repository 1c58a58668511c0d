#include "app/server_options.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

namespace warden::app {
namespace {

TEST(ServerOptionsTest, EveryTransportSettingReachesTheListenerOptions) {
  config::ServerConfig config;
  config.tls.cert_file = "cert.pem";
  config.tls.key_file = "key.pem";
  config.tls.client_ca_file = "ca.pem";
  config.tls.client_auth = config::ClientAuth::kOptional;
  config.tls.reload = std::chrono::seconds(3);
  config.limits.max_message_bytes = 1;
  config.limits.max_metadata_bytes = 2;
  config.limits.max_concurrent_streams = 3;
  config.limits.keepalive_min_ping = std::chrono::seconds(4);
  config.limits.max_connection_age = std::chrono::seconds(5);
  config.limits.max_connection_age_grace = std::chrono::seconds(6);
  config.limits.max_connection_idle = std::chrono::seconds(7);
  config.limits.handshake_timeout = std::chrono::milliseconds(8);
  config.limits.memory_quota_mb = 9;
  const server::TlsOptions tls = TlsOf(config);
  EXPECT_TRUE(tls.enabled());
  EXPECT_EQ(tls.key_file, "key.pem");
  EXPECT_EQ(tls.client_ca_file, "ca.pem");
  EXPECT_FALSE(tls.require_client_cert);
  EXPECT_EQ(tls.reload, std::chrono::seconds(3));
  const server::TransportLimits limits = LimitsOf(config);
  EXPECT_EQ(limits.max_message_bytes, 1u);
  EXPECT_EQ(limits.max_metadata_bytes, 2u);
  EXPECT_EQ(limits.max_concurrent_streams, 3u);
  EXPECT_EQ(limits.keepalive_min_ping, std::chrono::seconds(4));
  EXPECT_EQ(limits.max_connection_age, std::chrono::seconds(5));
  EXPECT_EQ(limits.max_connection_age_grace, std::chrono::seconds(6));
  EXPECT_EQ(limits.max_connection_idle, std::chrono::seconds(7));
  EXPECT_EQ(limits.handshake_timeout, std::chrono::milliseconds(8));
  EXPECT_EQ(limits.memory_quota_mb, 9u);
}

TEST(ServerOptionsTest, AccessLogModes) {
  using Mode = observability::AccessLogObserverFactory::Mode;
  EXPECT_EQ(AccessLogMode(config::AccessLog::kErrors), Mode::kErrors);
  EXPECT_EQ(AccessLogMode(config::AccessLog::kOff), Mode::kOff);
  EXPECT_EQ(AccessLogMode(config::AccessLog::kAll), Mode::kAll);
}

}  // namespace
}  // namespace warden::app

namespace warden::app {
namespace {

TEST(ServerOptionsTest, ObserversFollowWhatIsOn) {
  ConnectionTable connections;
  SystemClock clock;
  prometheus::Registry registry;
  observability::GrpcServerMetrics metrics(registry);
  ObserverParts parts{.connections = &connections,
                      .clock = &clock,
                      .reset_budget = true,
                      .metrics = &metrics,
                      .observed = true,
                      .access_log = {}};
  EXPECT_EQ(ObserversOf(parts).size(), 3u);  // reset budget, metrics, log
  observability::CallObservers all(ObserversOf(parts), clock);
  EXPECT_EQ(InterceptorsOf(all).size(), 1u);  // all of them in one
  parts.metrics = nullptr;
  parts.observed = false;
  EXPECT_EQ(ObserversOf(parts).size(), 1u);
  parts.reset_budget = false;
  EXPECT_TRUE(ObserversOf(parts).empty());
  observability::CallObservers none(ObserversOf(parts), clock);
  EXPECT_TRUE(InterceptorsOf(none).empty());
}

}  // namespace
}  // namespace warden::app
