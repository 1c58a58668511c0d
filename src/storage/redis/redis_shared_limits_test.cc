// Shared rate limits and brute-force counters on a real redis-server (started by the ctest
// fixture; its URL is in the file named by WARDEN_TEST_REDIS_FILE). Two objects on one Redis
// stand for two replicas.
#include <string>

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"
#include "common/testing/fake_clock.h"
#include "storage/redis/redis_login_throttle.h"
#include "storage/redis/redis_rate_limiter.h"
#include "storage/redis/redis_test_fixture.h"

namespace warden::storage {
namespace {

using Verdict = core::ThrottleDecision::Verdict;
using std::chrono::seconds;

class SharedLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(FixtureAddress().unix_path.empty())
        << "WARDEN_TEST_REDIS_FILE names no redis-server";
  }
  FakeClock clock_;  // only the fallback's buckets use it; Redis keeps its own time
  RedisClient replica_a_{FixtureAddress(), {}, clock_};
  RedisClient replica_b_{FixtureAddress(), {}, clock_};
  RedisClient unreachable_{RedisAddress{.unix_path = "/nonexistent/redis.sock"}, {}, clock_};
};

TEST_F(SharedLimitsTest, RateLimitHoldsAcrossReplicas) {
  const std::string name = Unique("Login:peer");
  const resilience::RateSpec spec{.per_second = 0.5, .burst = 4};
  RedisRateLimiter a(replica_a_, name, spec, clock_);
  RedisRateLimiter b(replica_b_, name, spec, clock_);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.Take("10.0.0.1"), std::chrono::nanoseconds::zero()) << i;
  }
  EXPECT_EQ(b.Take("10.0.0.1"), std::chrono::nanoseconds::zero());
  // The burst is spent on both replicas together: each alone would still have tokens.
  const std::chrono::nanoseconds wait = b.Take("10.0.0.1");
  EXPECT_GT(wait, std::chrono::nanoseconds::zero());
  EXPECT_LE(wait, seconds(2));
  EXPECT_GT(a.Take("10.0.0.1"), std::chrono::nanoseconds::zero());
  // Other keys and other limits have their own buckets.
  EXPECT_EQ(a.Take("10.0.0.2"), std::chrono::nanoseconds::zero());
  RedisRateLimiter other(replica_a_, Unique("Register:peer"), spec, clock_);
  EXPECT_EQ(other.Take("10.0.0.1"), std::chrono::nanoseconds::zero());
  EXPECT_TRUE(replica_a_.Healthy());
  EXPECT_EQ(replica_a_.Failures(), 0);
}

TEST_F(SharedLimitsTest, RateLimitFallsBackToThisReplicaWhenRedisIsAway) {
  RedisRateLimiter limiter(unreachable_, Unique("Login:peer"), {.per_second = 1, .burst = 2},
                           clock_);
  EXPECT_EQ(limiter.Take("10.0.0.1"), std::chrono::nanoseconds::zero());
  EXPECT_EQ(limiter.Take("10.0.0.1"), std::chrono::nanoseconds::zero());
  EXPECT_GT(limiter.Take("10.0.0.1"), std::chrono::nanoseconds::zero());  // still limited
  clock_.Advance(seconds(1));
  EXPECT_EQ(limiter.Take("10.0.0.1"), std::chrono::nanoseconds::zero());
  EXPECT_FALSE(unreachable_.Healthy());
  EXPECT_GE(unreachable_.Failures(), 4);
}

TEST_F(SharedLimitsTest, BreakerLeavesADeadRedisAloneThenTriesAgain) {
  RedisClient client(RedisAddress{.unix_path = "/nonexistent/redis.sock"},
                     {.retry_after = seconds(5)}, clock_);
  EXPECT_FALSE(client.Eval("return 1", {}, {}).ok());
  EXPECT_FALSE(client.Healthy());
  // A live client answers scripts; a bad script is an error, not a crash.
  absl::StatusOr<std::vector<int64_t>> one = replica_a_.Eval("return {1, 2}", {}, {});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one, (std::vector<int64_t>{1, 2}));
  EXPECT_FALSE(replica_b_.Eval("this is not lua", {}, {}).ok());
  EXPECT_FALSE(replica_b_.Healthy());
  clock_.Advance(seconds(2));  // past replica_b_'s 1 s pause: a PING finds Redis fine
  EXPECT_TRUE(replica_b_.Healthy());
  EXPECT_TRUE(replica_b_.Eval("return 7", {}, {}).ok());
}

// Sends one command on a fresh connection to the fixture (as its default user).
std::string Command(const RedisAddress& address, std::initializer_list<std::string> parts) {
  redisContext* context = ConnectRedis(address, std::chrono::seconds(2));
  if (context == nullptr) {
    return "no connection";
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& part : parts) {
    argv.push_back(part.data());
    lengths.push_back(part.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  std::string text = reply == nullptr                 ? "no reply"
                     : reply->type == REDIS_REPLY_NIL ? "(nil)"
                     : reply->str != nullptr          ? std::string(reply->str, reply->len)
                                                      : std::to_string(reply->integer);
  if (reply != nullptr) {
    freeReplyObject(reply);
  }
  redisFree(context);
  return text;
}

TEST_F(SharedLimitsTest, LogsInWithAnAclUserAndUsesItsDatabase) {
  const std::string user = Unique("warden-acl");
  ASSERT_EQ(Command(FixtureAddress(), {"ACL", "SETUSER", user, "on", ">s3cret", "~*", "+@all"}),
            "OK");
  RedisAddress address = FixtureAddress();
  address.user = user;
  address.password = "s3cret";
  address.database = 5;
  RedisClient client(address, {}, clock_);
  const std::string key = Unique("warden:test");
  absl::StatusOr<std::vector<int64_t>> set =
      client.Eval("redis.call('SET', KEYS[1], '1') return 1", {key}, {});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Command(FixtureAddress(), {"GET", key}), "(nil)");  // not in database 0
  RedisAddress database5 = FixtureAddress();
  database5.database = 5;
  EXPECT_EQ(Command(database5, {"GET", key}), "1");
  // A wrong password is refused: the client falls back instead of using Redis.
  address.password = "wrong";
  RedisClient refused(address, {}, clock_);
  EXPECT_FALSE(refused.Eval("return 1", {}, {}).ok());
  EXPECT_FALSE(refused.Healthy());
  Command(FixtureAddress(), {"ACL", "DELUSER", user});
}

core::InMemoryLoginThrottle::Options SmallLimits() {
  return {.free_failures = 1,
          .base_delay = seconds(1),
          .max_delay = seconds(30),
          .lockout_after = 4,
          .lockout = seconds(900),
          .hourly_cap = 100,
          .peer_failures = 50};
}

TEST_F(SharedLimitsTest, FailuresOnAnyReplicaCountAgainstTheAccount) {
  RedisLoginThrottle a(replica_a_, clock_, SmallLimits());
  RedisLoginThrottle b(replica_b_, clock_, SmallLimits());
  const std::string account = Unique("alice");
  EXPECT_EQ(a.Check(account, "").verdict, Verdict::kAllow);
  a.RecordFailure(account, "");
  EXPECT_EQ(b.Check(account, "").verdict, Verdict::kAllow);  // one free failure
  b.RecordFailure(account, "");
  const core::ThrottleDecision delayed = a.Check(account, "");
  EXPECT_EQ(delayed.verdict, Verdict::kAccountDelayed);
  EXPECT_EQ(delayed.retry_after, seconds(1));
  EXPECT_FALSE(a.RecordFailure(account, "").account_locked);
  EXPECT_TRUE(b.RecordFailure(account, "").account_locked);  // the 4th, on either replica
  const core::ThrottleDecision locked = a.Check(account, "");
  EXPECT_EQ(locked.verdict, Verdict::kAccountLocked);
  EXPECT_GT(locked.retry_after, seconds(890));
  EXPECT_LE(locked.retry_after, seconds(900));
  EXPECT_EQ(b.Check(Unique("bob"), "").verdict, Verdict::kAllow);
}

TEST_F(SharedLimitsTest, SuccessOnOneReplicaClearsTheDelayEverywhere) {
  RedisLoginThrottle a(replica_a_, clock_, SmallLimits());
  RedisLoginThrottle b(replica_b_, clock_, SmallLimits());
  const std::string account = Unique("carol");
  a.RecordFailure(account, "");
  a.RecordFailure(account, "");
  EXPECT_EQ(b.Check(account, "").verdict, Verdict::kAccountDelayed);
  b.RecordSuccess(account, "");
  EXPECT_EQ(a.Check(account, "").verdict, Verdict::kAllow);
}

TEST_F(SharedLimitsTest, APairPausedOnOneReplicaLeavesTheOwnersAddressAlone) {
  RedisLoginThrottle a(replica_a_, clock_, SmallLimits());
  RedisLoginThrottle b(replica_b_, clock_, SmallLimits());
  const std::string account = Unique("frida");
  const std::string attacker = Unique("10.9.9.9");
  for (int i = 0; i < 4; ++i) {
    (i % 2 == 0 ? a : b).RecordFailure(account, attacker);
  }
  EXPECT_EQ(b.Check(account, attacker).verdict, Verdict::kAccountLocked);
  EXPECT_EQ(b.Check(account, Unique("192.0.2.1")).verdict, Verdict::kAllow);
}

TEST_F(SharedLimitsTest, AKnownAddressSkipsTheCapAndTheSpentBudgetOnEveryReplica) {
  core::InMemoryLoginThrottle::Options options = SmallLimits();
  options.hourly_cap = 3;
  options.peer_failures = 3;
  RedisLoginThrottle a(replica_a_, clock_, options);
  RedisLoginThrottle b(replica_b_, clock_, options);
  const std::string account = Unique("gus");
  const std::string home = Unique("192.0.2.9");
  a.RecordSuccess(account, home);
  for (int i = 0; i < 3; ++i) {
    b.RecordFailure(account, Unique("10.7.7.7"));  // the cap, from elsewhere
    a.RecordFailure(Unique("other"), home);        // the shared address's budget
  }
  EXPECT_EQ(b.Check(account, Unique("10.7.7.8")).verdict, Verdict::kAccountCapped);
  EXPECT_EQ(b.Check(Unique("stranger"), home).verdict, Verdict::kPeerThrottled);
  EXPECT_EQ(b.Check(account, home).verdict, Verdict::kAllow);
}

TEST_F(SharedLimitsTest, AnAddressIsLockedOnEveryReplica) {
  core::InMemoryLoginThrottle::Options options = SmallLimits();
  options.peer_failures = 3;
  RedisLoginThrottle a(replica_a_, clock_, options);
  RedisLoginThrottle b(replica_b_, clock_, options);
  const std::string peer = Unique("ipv4:10.1.1.1");
  EXPECT_FALSE(a.RecordFailure(Unique("u"), peer).peer_locked);
  EXPECT_FALSE(b.RecordFailure(Unique("u"), peer).peer_locked);
  EXPECT_TRUE(a.RecordFailure(Unique("u"), peer).peer_locked);
  const core::ThrottleDecision decision = b.Check(Unique("someone-else"), peer);
  EXPECT_EQ(decision.verdict, Verdict::kPeerThrottled);
  // One failure's worth of a budget of 3 that refills over the window.
  EXPECT_GT(decision.retry_after, options.peer_window / 3 - seconds(10));
  EXPECT_LE(decision.retry_after, options.peer_window / 3);
  EXPECT_EQ(b.Check(Unique("someone-else"), Unique("ipv4:10.1.1.2")).verdict, Verdict::kAllow);
}

TEST_F(SharedLimitsTest, HourlyCapHoldsAcrossReplicas) {
  core::InMemoryLoginThrottle::Options options = SmallLimits();
  options.free_failures = 100;
  options.lockout_after = 0;
  options.hourly_cap = 3;
  RedisLoginThrottle a(replica_a_, clock_, options);
  RedisLoginThrottle b(replica_b_, clock_, options);
  const std::string account = Unique("dave");
  a.RecordFailure(account, "");
  b.RecordFailure(account, "");
  EXPECT_EQ(a.Check(account, "").verdict, Verdict::kAllow);
  b.RecordFailure(account, "");
  const core::ThrottleDecision capped = a.Check(account, "");
  EXPECT_EQ(capped.verdict, Verdict::kAccountCapped);
  EXPECT_GT(capped.retry_after, seconds(3500));
  EXPECT_LE(capped.retry_after, seconds(3600));
}

TEST_F(SharedLimitsTest, ThrottleFallsBackToThisReplicaWhenRedisIsAway) {
  RedisLoginThrottle throttle(unreachable_, clock_, SmallLimits());
  const std::string account = Unique("erin");
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(throttle.RecordFailure(account, "").account_locked) << i;
  }
  EXPECT_TRUE(throttle.RecordFailure(account, "").account_locked);
  EXPECT_EQ(throttle.Check(account, "").verdict, Verdict::kAccountLocked);
  EXPECT_FALSE(unreachable_.Healthy());
}

}  // namespace
}  // namespace warden::storage
