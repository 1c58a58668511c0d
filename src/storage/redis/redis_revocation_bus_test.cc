#include "storage/redis/redis_revocation_bus.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "storage/redis/redis_test_fixture.h"

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

TEST(ParseRedisUrlTest, ReadsCredentialsAndDatabase) {
  absl::StatusOr<RedisAddress> full = ParseRedisUrl("redis://warden:p%40ss%3Aw@cache:6380/3");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->user, "warden");
  EXPECT_EQ(full->password, "p@ss:w");
  EXPECT_EQ(full->host, "cache");
  EXPECT_EQ(full->port, 6380);
  EXPECT_EQ(full->database, 3);
  absl::StatusOr<RedisAddress> password_only = ParseRedisUrl("redis://:secret@cache");
  ASSERT_TRUE(password_only.ok());
  EXPECT_EQ(password_only->user, "");
  EXPECT_EQ(password_only->password, "secret");
  EXPECT_EQ(password_only->database, 0);
  absl::StatusOr<RedisAddress> unix_socket = ParseRedisUrl("unix://:secret@/run/r.sock?db=2");
  ASSERT_TRUE(unix_socket.ok()) << unix_socket.status();
  EXPECT_EQ(unix_socket->unix_path, "/run/r.sock");
  EXPECT_EQ(unix_socket->password, "secret");
  EXPECT_EQ(unix_socket->database, 2);
}

TEST(ParseRedisUrlTest, RefusesWhatItCannotUse) {
  for (const char* bad : {"", "http://x:1", "redis://", "redis://host:0", "redis://host:99999",
                          "redis://host:abc", "unix://relative.sock", "redis://h/x",
                          "redis://h/99999", "redis://:%zz@h", "unix:///r.sock?timeout=1"}) {
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

// Polls `condition` every 10 ms for up to 10 s.
bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

TEST(RedisRevocationBusTest, RevocationsTravelBetweenReplicasThroughARealRedis) {
  ASSERT_FALSE(FixtureAddress().unix_path.empty()) << "WARDEN_TEST_REDIS_FILE names no server";
  const std::string channel = Unique("warden:test-revocations");
  core::RevocationList list_a;
  core::RevocationList list_b;
  RedisRevocationBus a(list_a, {.channel = channel}, FixtureAddress());
  RedisRevocationBus b(list_b, {.channel = channel}, FixtureAddress());
  a.Start();
  b.Start();
  ASSERT_TRUE(Eventually([&] { return a.Connected() && b.Connected(); }));
  const core::WallTime expiry(std::chrono::hours(1'000'000));  // year 2084
  list_a.RevokeSession("session-1", expiry);
  EXPECT_TRUE(Eventually([&] { return list_b.IsRevoked("", "session-1"); }));
  list_b.RevokeToken("jti-1", expiry);
  EXPECT_TRUE(Eventually([&] { return list_a.IsRevoked("jti-1", ""); }));
  // What arrives from Redis is applied, not published back.
  EXPECT_TRUE(Eventually([&] { return a.Received() == 1 && b.Received() == 1; }));
  // A publisher counts its message once Redis answered the PUBLISH, which may be after the
  // other replica already received it.
  EXPECT_TRUE(Eventually([&] { return a.Published() == 1 && b.Published() == 1; }))
      << a.Published() << " " << b.Published();
  EXPECT_EQ(a.Received(), 1) << "nothing was published back";
  EXPECT_EQ(b.Received(), 1);
  a.Stop();
  b.Stop();
}

}  // namespace
}  // namespace warden::storage
