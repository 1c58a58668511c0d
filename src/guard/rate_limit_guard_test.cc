#include "guard/rate_limit_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/retry_after.h"
#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "guard/testing/fake_call.h"
#include "guard/testing/recording_events.h"

namespace warden::guard {
namespace {

using core::RateLimitScope;
using testing::FakeCall;

class RateLimitGuardTest : public ::testing::Test {
 protected:
  RateLimitGuardTest() {
    policy_.SetRule("/p.S/Login", core::MethodRule{.access = core::MethodRule::Access::kPublic,
                                                   .per_peer = {.per_second = 1, .burst = 2},
                                                   .per_principal = {.per_second = 1, .burst = 1}});
    policy_.SetRule("/p.S/Report",
                    core::MethodRule{.access = core::MethodRule::Access::kAuthenticated,
                                     .per_principal = {.per_second = 1, .burst = 1},
                                     .per_method = {.per_second = 1, .burst = 3}});
    policy_.SetRule("/p.S/Free", core::MethodRule{.access = core::MethodRule::Access::kPublic});
  }
  LimiterFactory Recorded() {
    return [this](resilience::RateSpec spec, const std::string& name) {
      names_.push_back(name);
      return InProcessLimiters(clock_)(spec, name);
    };
  }
  static CallState From(std::string address, std::optional<core::Principal> who = std::nullopt) {
    CallState state;
    state.admitted.client_address = std::move(address);
    state.admitted.principal = std::move(who);
    return state;
  }

  FakeClock clock_;
  core::Policy policy_;
  testing::RecordingEvents events_;
  std::vector<std::string> names_;
};

TEST_F(RateLimitGuardTest, CountsEachClientAddressOnItsOwnAndSaysWhenToRetry) {
  RateLimitGuard guard(policy_, {RateLimitScope::kPeer, RateLimitScope::kMethod}, Recorded(),
                       &events_);
  std::unique_ptr<MethodCheck> check = guard.Bind(MethodInfo{.name = "/p.S/Login"});
  ASSERT_NE(check, nullptr);
  EXPECT_THAT(names_, ::testing::ElementsAre("/p.S/Login:peer"));  // the shared counters' key
  CallState a = From("198.51.100.1");
  EXPECT_THAT(check->Check(FakeCall(), a), IsOk());
  EXPECT_THAT(check->Check(FakeCall(), a), IsOk());
  const absl::Status refused = check->Check(FakeCall(), a);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted,
                                "rate limit exceeded for this client address on /p.S/Login"));
  ASSERT_TRUE(RetryAfterOf(refused).has_value());
  EXPECT_EQ(*RetryAfterOf(refused), std::chrono::milliseconds(1000));
  EXPECT_THAT(events_.scopes, ::testing::ElementsAre(RateLimitScope::kPeer));
  CallState b = From("198.51.100.2");
  EXPECT_THAT(check->Check(FakeCall(), b), IsOk());
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_THAT(check->Check(FakeCall(), a), IsOk());
}

TEST_F(RateLimitGuardTest, APerMethodLimitIsSharedByEveryCaller) {
  RateLimitGuard guard(policy_, {RateLimitScope::kPeer, RateLimitScope::kMethod}, Recorded(),
                       &events_);
  std::unique_ptr<MethodCheck> check = guard.Bind(MethodInfo{.name = "/p.S/Report"});
  ASSERT_NE(check, nullptr);
  for (int i = 0; i < 3; ++i) {
    CallState state = From("198.51.100." + std::to_string(i));
    EXPECT_THAT(check->Check(FakeCall(), state), IsOk());
  }
  CallState other = From("203.0.113.7");
  EXPECT_THAT(check->Check(FakeCall(), other),
              StatusIs(absl::StatusCode::kResourceExhausted, "for this method"));
}

TEST_F(RateLimitGuardTest, APerPrincipalLimitCountsCallersNotAnonymousOrPublicCalls) {
  RateLimitGuard guard(policy_, {RateLimitScope::kPrincipal}, Recorded(), &events_);
  EXPECT_EQ(guard.Bind(MethodInfo{.name = "/p.S/Login"}), nullptr);  // public: no caller
  std::unique_ptr<MethodCheck> check = guard.Bind(MethodInfo{.name = "/p.S/Report"});
  ASSERT_NE(check, nullptr);
  CallState alice = From("x", core::Principal{.id = "alice"});
  EXPECT_THAT(check->Check(FakeCall(), alice), IsOk());
  EXPECT_THAT(check->Check(FakeCall(), alice),
              StatusIs(absl::StatusCode::kResourceExhausted, "for this caller"));
  CallState key = From("x", core::Principal{.kind = core::Principal::Kind::kApiKey, .id = "alice"});
  EXPECT_THAT(check->Check(FakeCall(), key), IsOk());  // "api_key:alice" is another bucket
  CallState anonymous = From("x");
  EXPECT_THAT(check->Check(FakeCall(), anonymous), IsOk());
  EXPECT_THAT(check->Check(FakeCall(), anonymous), IsOk());
}

TEST_F(RateLimitGuardTest, AMethodWithoutLimitsBindsNoCheck) {
  RateLimitGuard guard(policy_, {RateLimitScope::kPeer, RateLimitScope::kMethod}, Recorded(),
                       &events_);
  EXPECT_EQ(guard.Bind(MethodInfo{.name = "/p.S/Free"}), nullptr);
  EXPECT_EQ(guard.Bind(MethodInfo{.name = "/p.S/Unlisted"}), nullptr);
  EXPECT_TRUE(names_.empty());
}

}  // namespace
}  // namespace warden::guard
