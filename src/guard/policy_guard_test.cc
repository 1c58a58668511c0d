#include "guard/policy_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "guard/testing/fake_call.h"
#include "guard/testing/recording_events.h"

namespace warden::guard {
namespace {

using testing::FakeCall;

class PolicyGuardTest : public ::testing::Test {
 protected:
  PolicyGuardTest() {
    policy_.SetRule("/p.S/Open", core::MethodRule{.access = core::MethodRule::Access::kPublic});
    policy_.SetRule("/p.S/Mine",
                    core::MethodRule{.access = core::MethodRule::Access::kAuthenticated});
    policy_.SetRule("/p.S/Admin", core::MethodRule{.access = core::MethodRule::Access::kRestricted,
                                                   .permissions = {"users:write"}});
    policy_.SetRolePermissions("admin", {"users:write"});
  }
  absl::Status Check(const std::string& method, std::optional<core::Principal> who) {
    std::unique_ptr<MethodCheck> check = guard_.Bind(MethodInfo{.name = method});
    if (check == nullptr) {
      return absl::OkStatus();
    }
    CallState state;
    state.admitted.principal = std::move(who);
    return check->Check(FakeCall(), state);
  }

  core::Policy policy_;
  testing::RecordingEvents events_;
  PolicyGuard guard_{policy_, &events_};
};

TEST_F(PolicyGuardTest, AMethodWithoutARuleIsDenied) {
  EXPECT_THAT(Check("/p.S/Unlisted", core::Principal{.id = "u", .roles = {"admin"}}),
              StatusIs(absl::StatusCode::kPermissionDenied, "no policy rule allows /p.S/Unlisted"));
  EXPECT_THAT(events_.denied, ::testing::ElementsAre("/p.S/Unlisted"));
}

TEST_F(PolicyGuardTest, APublicMethodBindsNoCheck) {
  EXPECT_EQ(guard_.Bind(MethodInfo{.name = "/p.S/Open"}), nullptr);
}

TEST_F(PolicyGuardTest, AnAuthenticatedMethodNeedsAPrincipal) {
  EXPECT_THAT(Check("/p.S/Mine", std::nullopt), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Check("/p.S/Mine", core::Principal{.id = "u"}), IsOk());
  EXPECT_THAT(events_.denied_authenticated, ::testing::ElementsAre(false));
}

TEST_F(PolicyGuardTest, ARestrictedMethodNeedsThePermission) {
  EXPECT_THAT(Check("/p.S/Admin", core::Principal{.id = "u", .roles = {"user"}}),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(events_.denied_authenticated, ::testing::ElementsAre(true));
  EXPECT_THAT(Check("/p.S/Admin", core::Principal{.id = "a", .roles = {"admin"}}), IsOk());
}

}  // namespace
}  // namespace warden::guard
