#include "guard/credential_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "guard/testing/fake_call.h"
#include "guard/testing/fake_verifiers.h"
#include "guard/testing/recording_events.h"

namespace warden::guard {
namespace {

using testing::FakeCall;

class CredentialGuardTest : public ::testing::Test {
 protected:
  CredentialGuardTest() {
    policy_.SetRule("/p.S/Mine",
                    core::MethodRule{.access = core::MethodRule::Access::kAuthenticated});
    policy_.SetRule("/p.S/Open", core::MethodRule{.access = core::MethodRule::Access::kPublic});
    policy_.SetCertificateRoles("spiffe://example/batch", {"batch"});
    tokens_.Accept(
        "good-token",
        core::AccessClaims{
            .subject = "u1", .username = "alice", .roles = {"user"}, .session_id = "s1"});
    api_keys_.Accept(
        "wk_live",
        core::Principal{.kind = core::Principal::Kind::kApiKey, .id = "k1", .roles = {"service"}});
    check_ = guard_.Bind(MethodInfo{.name = "/p.S/Mine"});
  }
  absl::StatusOr<std::optional<core::Principal>> Run(const FakeCall& call) {
    CallState state;
    if (absl::Status status = check_->Check(call, state); !status.ok()) {
      return status;
    }
    return state.admitted.principal;
  }

  core::Policy policy_;
  testing::FakeTokenVerifier tokens_;
  testing::FakeApiKeys api_keys_;
  testing::RecordingEvents events_;
  CredentialGuard guard_{
      CredentialResolver::Ports{.tokens = tokens_, .api_keys = &api_keys_, .policy = policy_},
      &events_};
  std::unique_ptr<MethodCheck> check_;
};

TEST_F(CredentialGuardTest, PublicAndUnlistedMethodsBindNoCheck) {
  ASSERT_NE(check_, nullptr);
  EXPECT_EQ(guard_.Bind(MethodInfo{.name = "/p.S/Open"}), nullptr);
  EXPECT_EQ(guard_.Bind(MethodInfo{.name = "/p.S/Unlisted"}), nullptr);
}

TEST_F(CredentialGuardTest, ABearerTokenBecomesItsUser) {
  absl::StatusOr<std::optional<core::Principal>> who =
      Run(FakeCall().WithHeader("authorization", "Bearer good-token"));
  ASSERT_THAT(who, IsOk());
  ASSERT_TRUE(who->has_value());
  EXPECT_EQ((*who)->kind, core::Principal::Kind::kUser);
  EXPECT_EQ((*who)->id, "u1");
  EXPECT_EQ((*who)->name, "alice");
  EXPECT_EQ((*who)->session_id, "s1");
  EXPECT_THAT(Run(FakeCall().WithHeader("authorization", "Bearer forged")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(events_.denied, ::testing::ElementsAre("/p.S/Mine"));
}

TEST_F(CredentialGuardTest, AnApiKeyInEitherHeaderBecomesItsPrincipal) {
  for (const FakeCall& call : {FakeCall().WithHeader("x-api-key", "wk_live"),
                               FakeCall().WithHeader("authorization", "ApiKey wk_live")}) {
    absl::StatusOr<std::optional<core::Principal>> who = Run(call);
    ASSERT_THAT(who, IsOk());
    ASSERT_TRUE(who->has_value());
    EXPECT_EQ((*who)->kind, core::Principal::Kind::kApiKey);
    EXPECT_EQ((*who)->id, "k1");
  }
  EXPECT_THAT(Run(FakeCall().WithHeader("x-api-key", "wk_revoked")),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(CredentialGuardTest, WithoutAnApiKeyServiceEveryKeyIsRefused) {
  CredentialGuard no_keys(CredentialResolver::Ports{.tokens = tokens_, .policy = policy_}, nullptr);
  std::unique_ptr<MethodCheck> check = no_keys.Bind(MethodInfo{.name = "/p.S/Mine"});
  CallState state;
  EXPECT_THAT(check->Check(FakeCall().WithHeader("x-api-key", "wk_live"), state),
              StatusIs(absl::StatusCode::kUnauthenticated, "invalid API key"));
}

TEST_F(CredentialGuardTest, AmbiguousOrOversizedCredentialsAreRefused) {
  EXPECT_THAT(Run(FakeCall()
                      .WithHeader("authorization", "Bearer good-token")
                      .WithHeader("authorization", "Bearer good-token")),
              StatusIs(absl::StatusCode::kUnauthenticated, "more than one authorization header"));
  EXPECT_THAT(Run(FakeCall()
                      .WithHeader("authorization", "Bearer good-token")
                      .WithHeader("x-api-key", "wk_live")),
              StatusIs(absl::StatusCode::kUnauthenticated, "send one credential, not two"));
  EXPECT_THAT(Run(FakeCall().WithHeader("authorization", "Basic dTpw")),
              StatusIs(absl::StatusCode::kUnauthenticated, "expected \"Bearer <token>\""));
  EXPECT_THAT(Run(FakeCall().WithHeader("authorization", "Bearer " + std::string(9000, 'a'))),
              StatusIs(absl::StatusCode::kUnauthenticated, "credential too long"));
  EXPECT_EQ(tokens_.checks(), 0);  // none of these reached the verifier
}

TEST_F(CredentialGuardTest, AKnownClientCertificateIsAPrincipalAndAnUnknownOneIsAnonymous) {
  absl::StatusOr<std::optional<core::Principal>> who =
      Run(FakeCall().WithCertificate({"spiffe://example/other", "spiffe://example/batch"}));
  ASSERT_THAT(who, IsOk());
  ASSERT_TRUE(who->has_value());
  EXPECT_EQ((*who)->kind, core::Principal::Kind::kCertificate);
  EXPECT_EQ((*who)->id, "spiffe://example/batch");
  EXPECT_THAT((*who)->roles, ::testing::ElementsAre("batch"));
  who = Run(FakeCall().WithCertificate({"cn=stranger"}));
  ASSERT_THAT(who, IsOk());
  EXPECT_FALSE(who->has_value());  // the policy guard decides about anonymous calls
}

TEST_F(CredentialGuardTest, ACallIsAuthenticatedOnce) {
  const CredentialResolver& resolver = guard_.resolver();
  FakeCall call = FakeCall().WithHeader("authorization", "Bearer good-token");
  CallState state;
  ASSERT_THAT(resolver.Resolve(call, state), IsOk());
  ASSERT_THAT(check_->Check(call, state), IsOk());
  EXPECT_EQ(tokens_.checks(), 1);
}

}  // namespace
}  // namespace warden::guard
