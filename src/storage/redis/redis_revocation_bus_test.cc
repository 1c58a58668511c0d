#include "storage/redis/redis_revocation_bus.h"

#include <gtest/gtest.h>

namespace warden::storage {
namespace {

TEST(ParseRedisUrlTest, AcceptsTcpAndUnixForms) {
  absl::StatusOr<RedisAddress> tcp = ParseRedisUrl("redis://cache.internal:6380");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->host, "cache.internal");
  EXPECT_EQ(tcp->port, 6380);
  absl::StatusOr<RedisAddress> plain = ParseRedisUrl("redis://127.0.0.1/0");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, 6379);
  absl::StatusOr<RedisAddress> unix_socket = ParseRedisUrl("unix:///run/redis/redis.sock");
  ASSERT_TRUE(unix_socket.ok());
  EXPECT_EQ(unix_socket->unix_path, "/run/redis/redis.sock");
}

TEST(ParseRedisUrlTest, RefusesWhatItCannotUse) {
  for (const char* bad : {"", "http://x:1", "redis://", "redis://host:0", "redis://host:99999",
                          "redis://host:abc", "unix://relative.sock"}) {
    EXPECT_FALSE(ParseRedisUrl(bad).ok()) << bad;
  }
}

TEST(RedisRevocationBusTest, WithoutRedisItKeepsTryingAndStopsCleanly) {
  core::RevocationList list;
  RedisRevocationBus bus(list, {.reconnect_every = std::chrono::milliseconds(10)},
                         RedisAddress{.unix_path = "/nonexistent/redis.sock"});
  bus.Start();
  list.RevokeSession("s1", core::WallTime(std::chrono::hours(1)));  // queued, not lost
  EXPECT_FALSE(bus.Connected());
  bus.Stop();
  bus.Stop();
  EXPECT_EQ(bus.Published(), 0);
  EXPECT_TRUE(list.IsRevoked("", "s1"));  // local revocation is unaffected
}

}  // namespace
}  // namespace warden::storage
