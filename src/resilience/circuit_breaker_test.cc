#include "resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"

namespace warden::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  void Calls(int n, bool success) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(breaker_.Allow());
      breaker_.Record(success);
    }
  }
  FakeClock clock_;
  CircuitBreaker breaker_{BreakerOptions{.window = seconds(10),
                                         .minimum_calls = 4,
                                         .failure_ratio = 0.5,
                                         .open_for = seconds(2),
                                         .max_open_for = seconds(5),
                                         .consecutive_failures = 0},
                          clock_};
};

TEST_F(CircuitBreakerTest, StaysClosedBelowTheMinimumCalls) {
  Calls(3, false);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed) << "three calls are below the minimum";
}

TEST_F(CircuitBreakerTest, StaysClosedBelowTheFailureRatio) {
  Calls(4, true);
  Calls(3, false);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed) << "3 of 7 failed, below one half";
}

TEST_F(CircuitBreakerTest, OpensAtTheRatioAndRefusesUntilOpenForHasPassed) {
  Calls(2, true);
  Calls(2, false);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_FALSE(breaker_.Allow());
  clock_.Advance(milliseconds(1999));
  EXPECT_FALSE(breaker_.Allow());
  clock_.Advance(milliseconds(1));
  EXPECT_TRUE(breaker_.Allow()) << "the probe";
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(breaker_.Allow()) << "one probe at a time";
  breaker_.Record(true);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  Calls(3, false);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed) << "closing forgot the old failures";
}

TEST_F(CircuitBreakerTest, AFailedProbeReopensForTwiceAsLongUpToTheMaximum) {
  Calls(4, false);
  clock_.Advance(seconds(2));
  ASSERT_TRUE(breaker_.Allow());
  breaker_.Record(false);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  clock_.Advance(milliseconds(3999));
  EXPECT_FALSE(breaker_.Allow()) << "open for 4 s now";
  clock_.Advance(milliseconds(1));
  ASSERT_TRUE(breaker_.Allow());
  breaker_.Record(false);
  clock_.Advance(milliseconds(4999));
  EXPECT_FALSE(breaker_.Allow()) << "8 s capped at 5 s";
  clock_.Advance(milliseconds(1));
  ASSERT_TRUE(breaker_.Allow());
  breaker_.Record(true);
  Calls(4, false);
  clock_.Advance(milliseconds(1999));
  EXPECT_FALSE(breaker_.Allow());
  clock_.Advance(milliseconds(1));
  EXPECT_TRUE(breaker_.Allow()) << "a success reset open_for to 2 s";
}

TEST_F(CircuitBreakerTest, ForgetsOutcomesOlderThanTheWindow) {
  Calls(3, false);
  clock_.Advance(seconds(11));
  Calls(1, false);
  Calls(3, true);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed) << "only 1 of 4 in the window failed";
  Calls(2, false);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen) << "3 of 6 in the window failed";
}

TEST_F(CircuitBreakerTest, LateOutcomesWhileOpenChangeNothing) {
  ASSERT_TRUE(breaker_.Allow());  // admitted while closed, answers after the breaker opened
  Calls(4, false);
  ASSERT_EQ(breaker_.state(), BreakerState::kOpen);
  breaker_.Record(true);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_STREQ(BreakerStateName(breaker_.state()), "open");
}

TEST(CircuitBreakerRunTest, FailuresInARowOpenItWhateverTheWindowHolds) {
  FakeClock clock;
  CircuitBreaker breaker({.minimum_calls = 5, .failure_ratio = 0.5, .consecutive_failures = 3},
                         clock);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(breaker.Allow());
    breaker.Record(true);
  }
  breaker.Record(false);
  breaker.Record(false);
  breaker.Record(true);
  breaker.Record(false);
  breaker.Record(false);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed) << "a success broke the run";
  breaker.Record(false);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen) << "three in a row among 1000 successes";
}

}  // namespace
}  // namespace warden::resilience
