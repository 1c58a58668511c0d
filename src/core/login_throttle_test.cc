#include "core/login_throttle.h"

#include <gtest/gtest.h>

#include <string>

#include "common/testing/fake_clock.h"

namespace warden::core {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Verdict = ThrottleDecision::Verdict;

class LoginThrottleTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  InMemoryLoginThrottle throttle_{clock_, InMemoryLoginThrottle::Options{}};

  // Fails `n` times for `account`, waiting out each progressive delay first.
  void FailPatiently(const std::string& account, int n, const std::string& peer = "10.0.0.1") {
    for (int i = 0; i < n; ++i) {
      ThrottleDecision decision = throttle_.Check(account, peer);
      if (decision.verdict == Verdict::kAccountDelayed) {
        clock_.Advance(decision.retry_after);
        decision = throttle_.Check(account, peer);
      }
      ASSERT_EQ(decision.verdict, Verdict::kAllow) << "attempt " << i;
      throttle_.RecordFailure(account, peer);
    }
  }
};

TEST_F(LoginThrottleTest, FirstFailuresAreFree) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAllow);
    EXPECT_FALSE(throttle_.RecordFailure("ann", "10.0.0.1").account_locked);
  }
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, DelayDoublesAfterTheFreeFailures) {
  FailPatiently("ann", 4);
  ThrottleDecision decision = throttle_.Check("ann", "10.0.0.1");
  EXPECT_EQ(decision.verdict, Verdict::kAccountDelayed);
  EXPECT_EQ(decision.retry_after, seconds(1));
  clock_.Advance(seconds(1));
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAllow);
  throttle_.RecordFailure("ann", "10.0.0.1");
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").retry_after, seconds(2));
  clock_.Advance(seconds(2));
  throttle_.RecordFailure("ann", "10.0.0.1");
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").retry_after, seconds(4));
  // Other accounts are not affected.
  EXPECT_EQ(throttle_.Check("bob", "10.0.0.1").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, TenFailuresPauseThePairNotTheAccount) {
  FailPatiently("ann", 9);
  clock_.Advance(throttle_.Check("ann", "10.0.0.1").retry_after);
  EXPECT_TRUE(throttle_.RecordFailure("ann", "10.0.0.1").account_locked);
  ThrottleDecision locked = throttle_.Check("ann", "10.0.0.1");
  EXPECT_EQ(locked.verdict, Verdict::kAccountLocked);
  EXPECT_EQ(locked.retry_after, minutes(15));
  // The owner, from anywhere else, is not held back by someone else's guessing.
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.2").verdict, Verdict::kAllow);
  clock_.Advance(minutes(15) - seconds(1));
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAccountLocked);
  clock_.Advance(seconds(1));
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAllow);
  // Starts afresh: three free failures again.
  FailPatiently("ann", 3);
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, SuccessResetsThePair) {
  FailPatiently("ann", 5);
  clock_.Advance(throttle_.Check("ann", "10.0.0.1").retry_after);
  throttle_.RecordSuccess("ann", "10.0.0.1");
  FailPatiently("ann", 3);
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, OldFailuresAreForgotten) {
  FailPatiently("ann", 5);
  clock_.Advance(minutes(15));
  FailPatiently("ann", 3);
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, AtMostHourlyCapFailuresPerHourFromUnknownAddresses) {
  // Guessing from many addresses (one attempt each): the account's cap holds them all back.
  int allowed = 0;
  for (int i = 0; i < 500; ++i) {
    const std::string address = "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    if (throttle_.Check("ann", address).verdict == Verdict::kAllow) {
      ++allowed;
      throttle_.RecordFailure("ann", address);
    }
    clock_.Advance(seconds(1));
  }
  EXPECT_EQ(allowed, 100);
  ThrottleDecision capped = throttle_.Check("ann", "10.9.9.9");
  EXPECT_EQ(capped.verdict, Verdict::kAccountCapped);
  EXPECT_LE(capped.retry_after, minutes(60));
  clock_.Advance(capped.retry_after);
  EXPECT_EQ(throttle_.Check("ann", "10.9.9.9").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, TheOwnersKnownAddressIsNotHeldToTheCap) {
  throttle_.RecordSuccess("ann", "192.0.2.7");  // ann logged in from home once
  for (int i = 0; i < 100; ++i) {
    throttle_.RecordFailure("ann", "10.2.0." + std::to_string(i));
  }
  EXPECT_EQ(throttle_.Check("ann", "10.3.0.1").verdict, Verdict::kAccountCapped);
  EXPECT_EQ(throttle_.Check("ann", "192.0.2.7").verdict, Verdict::kAllow);
  // Failing from the known address is still held to the pair's own counters.
  FailPatiently("ann", 9, "192.0.2.7");
  clock_.Advance(throttle_.Check("ann", "192.0.2.7").retry_after);
  EXPECT_TRUE(throttle_.RecordFailure("ann", "192.0.2.7").account_locked);
  EXPECT_EQ(throttle_.Check("ann", "192.0.2.7").verdict, Verdict::kAccountLocked);
  // It is forgotten after known_address_ttl without a login.
  InMemoryLoginThrottle short_memory(clock_, {.known_address_ttl = std::chrono::hours(1)});
  short_memory.RecordSuccess("bob", "192.0.2.8");
  for (int i = 0; i < 100; ++i) {
    short_memory.RecordFailure("bob", "10.4.0." + std::to_string(i));
  }
  EXPECT_EQ(short_memory.Check("bob", "192.0.2.8").verdict, Verdict::kAllow);
  clock_.Advance(std::chrono::minutes(59));
  for (int i = 0; i < 100; ++i) {
    short_memory.RecordFailure("bob", "10.5.0." + std::to_string(i));
  }
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_EQ(short_memory.Check("bob", "192.0.2.8").verdict, Verdict::kAccountCapped);
}

TEST_F(LoginThrottleTest, OneAddressSprayingManyAccountsRunsOutOfBudgetThenTrickles) {
  int attempts = 0;
  int peer_locked_events = 0;
  int locked_pairs = 0;
  for (int account = 0; account < 1000; ++account) {
    const std::string name = "user" + std::to_string(account);
    ThrottleDecision decision = throttle_.Check(name, "203.0.113.9");
    if (decision.verdict == Verdict::kPeerThrottled) {
      break;
    }
    ++attempts;
    const auto outcome = throttle_.RecordFailure(name, "203.0.113.9");
    locked_pairs += outcome.account_locked ? 1 : 0;
    peer_locked_events += outcome.peer_locked ? 1 : 0;
  }
  EXPECT_EQ(attempts, 50);
  EXPECT_EQ(locked_pairs, 0);
  EXPECT_EQ(peer_locked_events, 1);
  ThrottleDecision throttled = throttle_.Check("someone", "203.0.113.9");
  EXPECT_EQ(throttled.verdict, Verdict::kPeerThrottled);
  EXPECT_EQ(throttled.retry_after, seconds(18)) << "one failure's worth of 50 per 15 minutes";
  // Another address is unaffected.
  EXPECT_EQ(throttle_.Check("someone", "198.51.100.1").verdict, Verdict::kAllow);
  // After one refill the address may try once more, then waits again: 1 guess per 18 s.
  clock_.Advance(throttled.retry_after);
  EXPECT_EQ(throttle_.Check("someone", "203.0.113.9").verdict, Verdict::kAllow);
  throttle_.RecordFailure("someone", "203.0.113.9");
  EXPECT_EQ(throttle_.Check("other", "203.0.113.9").verdict, Verdict::kPeerThrottled);
  // The whole budget is back after 15 minutes.
  clock_.Advance(minutes(15));
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(throttle_.Check("fresh" + std::to_string(i), "203.0.113.9").verdict, Verdict::kAllow);
    throttle_.RecordFailure("fresh" + std::to_string(i), "203.0.113.9");
  }
  EXPECT_EQ(throttle_.Check("fresh", "203.0.113.9").verdict, Verdict::kPeerThrottled);
}

TEST_F(LoginThrottleTest, AnAccountThatKnowsTheAddressSkipsItsSpentBudget) {
  throttle_.RecordSuccess("carol", "203.0.113.9");  // carol works behind the same NAT
  for (int i = 0; i < 50; ++i) {
    throttle_.RecordFailure("user" + std::to_string(i), "203.0.113.9");
  }
  EXPECT_EQ(throttle_.Check("dave", "203.0.113.9").verdict, Verdict::kPeerThrottled);
  EXPECT_EQ(throttle_.Check("carol", "203.0.113.9").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, MemoryStaysBounded) {
  InMemoryLoginThrottle small(clock_, {.max_entries = 100});
  for (int i = 0; i < 10'000; ++i) {
    small.RecordFailure("user" + std::to_string(i), "10.0.0." + std::to_string(i % 7));
    if (i % 10 == 0) {
      small.RecordSuccess("user" + std::to_string(i), "10.0.0.1");
    }
  }
  EXPECT_LE(small.SizeForTest(), 100u);
}

}  // namespace
}  // namespace warden::core
