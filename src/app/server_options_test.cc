#include "app/server_options.h"

#include <gtest/gtest.h>

namespace warden::app {
namespace {

TEST(ServerOptionsTest, EveryTransportSettingReachesTheListenerOptions) {
  config::ServerConfig config;
  config.tls_cert_file = "cert.pem";
  config.tls_key_file = "key.pem";
  config.tls_client_ca_file = "ca.pem";
  config.tls_require_client_cert = false;
  config.tls_reload = std::chrono::seconds(3);
  config.max_message_bytes = 1;
  config.max_metadata_bytes = 2;
  config.max_concurrent_streams = 3;
  config.keepalive_min_ping = std::chrono::seconds(4);
  config.max_connection_age = std::chrono::seconds(5);
  config.max_connection_age_grace = std::chrono::seconds(6);
  config.max_connection_idle = std::chrono::seconds(7);
  config.handshake_timeout = std::chrono::milliseconds(8);
  config.memory_quota_mb = 9;
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
  using Mode = observability::AccessLogInterceptorFactory::Mode;
  EXPECT_EQ(AccessLogMode("errors"), Mode::kErrors);
  EXPECT_EQ(AccessLogMode("off"), Mode::kOff);
  EXPECT_EQ(AccessLogMode("all"), Mode::kAll);
}

}  // namespace
}  // namespace warden::app
