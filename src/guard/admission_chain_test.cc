#include "guard/admission_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "guard/testing/fake_call.h"
#include "guard/testing/fake_verifiers.h"
#include "guard/testing/recording_events.h"

namespace warden::guard {
namespace {

using testing::FakeCall;

class AdmissionChainTest : public ::testing::Test {
 protected:
  AdmissionChainTest() {
    tokens_.Accept("alice", core::AccessClaims{.subject = "u1", .roles = {"user"}});
    tokens_.Accept("root", core::AccessClaims{.subject = "u0", .roles = {"admin"}});
  }
  std::unique_ptr<GuardChain> Chain() {
    return MakeAdmissionChain(AdmissionPorts{.policy = policy_,
                                             .tokens = tokens_,
                                             .api_keys = &api_keys_,
                                             .clock = clock_,
                                             .events = &events_},
                              AdmissionOptions{});
  }
  static FakeCall Bearer(const std::string& token) {
    return FakeCall().WithHeader("authorization", "Bearer " + token);
  }

  FakeClock clock_;
  core::Policy policy_ = core::Policy::Default();
  testing::FakeTokenVerifier tokens_;
  testing::FakeApiKeys api_keys_;
  testing::RecordingEvents events_;
};

TEST_F(AdmissionChainTest, ClosedByDefault) {
  std::unique_ptr<GuardChain> chain = Chain();
  EXPECT_THAT(chain->Bind("/warden.v1.Unknown/Anything").Admit(Bearer("root")),
              StatusIs(absl::StatusCode::kPermissionDenied, "denied by default"));
  EXPECT_EQ(tokens_.checks(), 0);
}

TEST_F(AdmissionChainTest, ThePolicyOfTheDefaultRules) {
  std::unique_ptr<GuardChain> chain = Chain();
  EXPECT_THAT(chain->Bind("/auth.AuthService/ValidateToken").Admit(FakeCall()), IsOk());
  EXPECT_THAT(chain->Bind("/auth.AuthService/Logout").Admit(FakeCall()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  absl::StatusOr<Admitted> logout = chain->Bind("/auth.AuthService/Logout").Admit(Bearer("alice"));
  ASSERT_THAT(logout, IsOk());
  EXPECT_EQ(logout->principal->id, "u1");
  const MethodGuard& list_users = chain->Bind("/warden.v1.AdminService/ListUsers");
  EXPECT_THAT(list_users.Admit(Bearer("alice")), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(list_users.Admit(Bearer("root")), IsOk());
}

TEST_F(AdmissionChainTest, AFloodIsRefusedBeforeAnyCredentialIsChecked) {
  policy_.SetRule("/p.S/Guarded",
                  core::MethodRule{.access = core::MethodRule::Access::kAuthenticated,
                                   .per_peer = {.per_second = 1, .burst = 1}});
  std::unique_ptr<GuardChain> chain = Chain();
  const MethodGuard& guarded = chain->Bind("/p.S/Guarded");
  EXPECT_THAT(guarded.Admit(Bearer("forged")), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(tokens_.checks(), 1);
  EXPECT_THAT(guarded.Admit(Bearer("forged")), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(tokens_.checks(), 1);  // the rate limit ran first
}

TEST_F(AdmissionChainTest, LoginGetsTheClientAddress) {
  std::unique_ptr<GuardChain> chain = Chain();
  absl::StatusOr<Admitted> login =
      chain->Bind("/auth.AuthService/Login", {.needs_client_address = true})
          .Admit(FakeCall().WithPeer("ipv4:198.51.100.7:4000"));
  ASSERT_THAT(login, IsOk());
  EXPECT_EQ(login->client_address, "198.51.100.7");
}

}  // namespace
}  // namespace warden::guard
