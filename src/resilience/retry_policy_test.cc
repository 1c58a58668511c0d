#include "resilience/retry_policy.h"

#include <gtest/gtest.h>

namespace warden::resilience {
namespace {

using std::chrono::milliseconds;

TEST(BackoffDelayTest, GrowsByTheMultiplierUpToTheMaximumScaledByTheDraw) {
  const BackoffOptions options{
      .initial_backoff = milliseconds(100), .max_backoff = milliseconds(350), .multiplier = 2};
  EXPECT_EQ(BackoffDelay(options, 1, 0.999), milliseconds(99));
  EXPECT_EQ(BackoffDelay(options, 2, 0.5), milliseconds(100));
  EXPECT_EQ(BackoffDelay(options, 3, 1.0), milliseconds(350));
  EXPECT_EQ(BackoffDelay(options, 9, 1.0), milliseconds(350));
  EXPECT_EQ(BackoffDelay(options, 1, 0.0), milliseconds(0));
}

TEST(RetryThrottleTest, FailuresStopRetriesAndSuccessesBringThemBack) {
  RetryThrottle throttle(10, 0.5);
  EXPECT_TRUE(throttle.RetryAllowed());
  for (int i = 0; i < 4; ++i) {
    throttle.RecordFailure();
  }
  EXPECT_TRUE(throttle.RetryAllowed()) << "6 of 10 tokens left";
  throttle.RecordFailure();
  EXPECT_FALSE(throttle.RetryAllowed()) << "5 is not more than half";
  throttle.RecordSuccess();
  EXPECT_TRUE(throttle.RetryAllowed());
  for (int i = 0; i < 100; ++i) {
    throttle.RecordSuccess();
  }
  EXPECT_DOUBLE_EQ(throttle.tokens(), 10) << "capped at the maximum";
  for (int i = 0; i < 100; ++i) {
    throttle.RecordFailure();
  }
  EXPECT_DOUBLE_EQ(throttle.tokens(), 0);
}

}  // namespace
}  // namespace warden::resilience
