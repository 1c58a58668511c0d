#include "resilience/token_bucket.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/testing/fake_clock.h"

namespace warden::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(TokenBucketTest, AllowsTheBurstThenRefillsAtTheRate) {
  FakeClock clock;
  TokenBucket bucket({.per_second = 2, .burst = 3}, clock.SteadyNow());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(bucket.Take(clock.SteadyNow()), nanoseconds::zero()) << i;
  }
  const nanoseconds wait = bucket.Take(clock.SteadyNow());
  EXPECT_EQ(wait, milliseconds(500));
  clock.Advance(milliseconds(499));
  EXPECT_GT(bucket.Take(clock.SteadyNow()), nanoseconds::zero());
  clock.Advance(milliseconds(1));
  EXPECT_EQ(bucket.Take(clock.SteadyNow()), nanoseconds::zero());
  EXPECT_GT(bucket.Take(clock.SteadyNow()), nanoseconds::zero());
}

TEST(TokenBucketTest, NeverHoldsMoreThanTheBurst) {
  FakeClock clock;
  TokenBucket bucket({.per_second = 100, .burst = 2}, clock.SteadyNow());
  clock.Advance(seconds(3600));
  EXPECT_TRUE(bucket.FullAt(clock.SteadyNow()));
  EXPECT_EQ(bucket.Take(clock.SteadyNow()), nanoseconds::zero());
  EXPECT_EQ(bucket.Take(clock.SteadyNow()), nanoseconds::zero());
  EXPECT_GT(bucket.Take(clock.SteadyNow()), nanoseconds::zero());
  EXPECT_FALSE(bucket.FullAt(clock.SteadyNow()));
}

TEST(KeyedRateLimiterTest, KeysHaveTheirOwnBuckets) {
  FakeClock clock;
  KeyedRateLimiter limiter({.per_second = 1, .burst = 1}, clock);
  EXPECT_EQ(limiter.Take("10.0.0.1"), nanoseconds::zero());
  EXPECT_EQ(limiter.Take("10.0.0.1"), seconds(1));
  EXPECT_EQ(limiter.Take("10.0.0.2"), nanoseconds::zero());
  clock.Advance(seconds(1));
  EXPECT_EQ(limiter.Take("10.0.0.1"), nanoseconds::zero());
}

TEST(KeyedRateLimiterTest, DisabledSpecAllowsEverything) {
  FakeClock clock;
  KeyedRateLimiter limiter({}, clock);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(limiter.Take("k"), nanoseconds::zero());
  }
  EXPECT_EQ(limiter.SizeForTest(), 0u);
}

TEST(KeyedRateLimiterTest, KeyCountStaysBoundedUnderAFloodOfKeys) {
  FakeClock clock;
  KeyedRateLimiter limiter({.per_second = 1, .burst = 5}, clock, /*max_keys=*/160);
  for (int i = 0; i < 10'000; ++i) {
    limiter.Take("peer-" + std::to_string(i));
  }
  EXPECT_LE(limiter.SizeForTest(), 160u);
}

TEST(KeyedRateLimiterTest, RefilledBucketsAreForgottenFirst) {
  FakeClock clock;
  KeyedRateLimiter limiter({.per_second = 1, .burst = 1}, clock, /*max_keys=*/16);
  // Exhaust one key, let everything else refill, then flood: the exhausted key keeps its state
  // as long as refilled buckets can be dropped instead.
  for (int i = 0; i < 200; ++i) {
    limiter.Take("idle-" + std::to_string(i));
  }
  clock.Advance(seconds(10));
  EXPECT_EQ(limiter.Take("busy"), nanoseconds::zero());
  EXPECT_GT(limiter.Take("busy"), nanoseconds::zero());
}

TEST(KeyedRateLimiterTest, ConcurrentTakersNeverGetMoreThanTheBurst) {
  FakeClock clock;
  KeyedRateLimiter limiter({.per_second = 0.001, .burst = 100}, clock);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (limiter.Take("shared") == nanoseconds::zero()) {
          allowed.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace warden::resilience
