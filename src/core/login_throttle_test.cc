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

TEST_F(LoginThrottleTest, TenFailuresLockForFifteenMinutesThenRecover) {
  FailPatiently("ann", 9);
  ASSERT_NE(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAccountLocked);
  clock_.Advance(throttle_.Check("ann", "10.0.0.1").retry_after);
  EXPECT_TRUE(throttle_.RecordFailure("ann", "10.0.0.1").account_locked);
  ThrottleDecision locked = throttle_.Check("ann", "10.0.0.2");
  EXPECT_EQ(locked.verdict, Verdict::kAccountLocked);
  EXPECT_EQ(locked.retry_after, minutes(15));
  clock_.Advance(minutes(15) - seconds(1));
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.2").verdict, Verdict::kAccountLocked);
  clock_.Advance(seconds(1));
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.2").verdict, Verdict::kAllow);
  // Starts afresh: three free failures again.
  FailPatiently("ann", 3, "10.0.0.2");
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.2").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, SuccessResetsTheAccount) {
  FailPatiently("ann", 5);
  clock_.Advance(throttle_.Check("ann", "10.0.0.1").retry_after);
  throttle_.RecordSuccess("ann");
  FailPatiently("ann", 3);
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, OldFailuresAreForgotten) {
  FailPatiently("ann", 5);
  clock_.Advance(minutes(15));
  FailPatiently("ann", 3);
  EXPECT_EQ(throttle_.Check("ann", "10.0.0.1").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, AtMostHourlyCapFailuresPerHour) {
  InMemoryLoginThrottle lenient(clock_, {.free_failures = 1000, .lockout_after = 0});
  int allowed = 0;
  for (int i = 0; i < 500; ++i) {
    if (lenient.Check("ann", "").verdict == Verdict::kAllow) {
      ++allowed;
      lenient.RecordFailure("ann", "");
    }
    clock_.Advance(seconds(1));
  }
  EXPECT_EQ(allowed, 100);
  ThrottleDecision capped = lenient.Check("ann", "");
  EXPECT_EQ(capped.verdict, Verdict::kAccountLocked);
  clock_.Advance(capped.retry_after);
  EXPECT_EQ(lenient.Check("ann", "").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, OneAddressCannotLockOutEveryAccount) {
  // Spraying: few failures per account, many accounts, one address.
  int locked_accounts = 0;
  int attempts = 0;
  int peer_locked_events = 0;
  for (int account = 0; account < 1000; ++account) {
    const std::string name = "user" + std::to_string(account);
    for (int i = 0; i < 10; ++i) {
      ThrottleDecision decision = throttle_.Check(name, "203.0.113.9");
      if (decision.verdict == Verdict::kPeerLocked) {
        break;
      }
      if (decision.verdict == Verdict::kAccountDelayed) {
        clock_.Advance(decision.retry_after);
      }
      ++attempts;
      const auto outcome = throttle_.RecordFailure(name, "203.0.113.9");
      locked_accounts += outcome.account_locked ? 1 : 0;
      peer_locked_events += outcome.peer_locked ? 1 : 0;
    }
  }
  EXPECT_EQ(attempts, 50);
  EXPECT_LE(locked_accounts, 5);
  EXPECT_EQ(peer_locked_events, 1);
  ThrottleDecision peer = throttle_.Check("someone", "203.0.113.9");
  EXPECT_EQ(peer.verdict, Verdict::kPeerLocked);
  // Another address is unaffected, and the address recovers after the peer lockout.
  EXPECT_EQ(throttle_.Check("someone", "198.51.100.1").verdict, Verdict::kAllow);
  clock_.Advance(peer.retry_after);
  EXPECT_EQ(throttle_.Check("someone", "203.0.113.9").verdict, Verdict::kAllow);
}

TEST_F(LoginThrottleTest, MemoryStaysBounded) {
  InMemoryLoginThrottle small(clock_, {.max_entries = 100});
  for (int i = 0; i < 10'000; ++i) {
    small.RecordFailure("user" + std::to_string(i), "10.0.0." + std::to_string(i % 7));
  }
  EXPECT_LE(small.SizeForTest(), 100u);
}

}  // namespace
}  // namespace warden::core
