#include "guard/client_address_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "guard/testing/fake_call.h"
#include "guard/testing/fake_verifiers.h"

namespace warden::guard {
namespace {

using testing::FakeCall;

class ClientAddressGuardTest : public ::testing::Test {
 protected:
  ClientAddressGuardTest() {
    policy_.SetRule("/p.S/Limited", core::MethodRule{.access = core::MethodRule::Access::kPublic,
                                                     .per_peer = {.per_second = 5, .burst = 5}});
    policy_.SetRule("/p.S/Login", core::MethodRule{.access = core::MethodRule::Access::kPublic});
    policy_.SetRule("/p.S/Plain", core::MethodRule{.access = core::MethodRule::Access::kPublic});
    policy_.SetRolePermissions("frontend", {std::string(core::kPermForwardClientAddress)});
    tokens_.Accept("frontend-token", core::AccessClaims{.subject = "web", .roles = {"frontend"}});
    tokens_.Accept("user-token", core::AccessClaims{.subject = "u", .roles = {"user"}});
  }
  std::string AddressOf(const std::string& method, const FakeCall& call,
                        MethodOptions options = {}) {
    std::unique_ptr<MethodCheck> check =
        guard_.Bind(MethodInfo{.name = method, .options = options});
    if (check == nullptr) {
      return "(not resolved)";
    }
    CallState state;
    EXPECT_THAT(check->Check(call, state), IsOk());
    return state.admitted.client_address;
  }

  core::Policy policy_;
  testing::FakeTokenVerifier tokens_;
  CredentialResolver resolver_{{.tokens = tokens_, .policy = policy_}};
  ClientAddressGuard guard_{{.policy = policy_,
                             .trusted_proxies = {ParseCidr("10.0.0.0/8").value()},
                             .forwarders = &resolver_}};
};

TEST_F(ClientAddressGuardTest, ResolvesOnlyWhereALimitOrTheHandlerNeedsIt) {
  EXPECT_EQ(AddressOf("/p.S/Plain", FakeCall()), "(not resolved)");
  EXPECT_EQ(AddressOf("/p.S/Limited", FakeCall().WithPeer("ipv4:198.51.100.7:4000")),
            "198.51.100.7");
  EXPECT_EQ(AddressOf("/p.S/Login", FakeCall().WithPeer("ipv6:[2001:db8::5]:4000"),
                      {.needs_client_address = true}),
            "2001:db8::5");
}

TEST_F(ClientAddressGuardTest, BelievesForwardedForOnlyFromATrustedProxy) {
  const FakeCall via_proxy =
      FakeCall().WithPeer("ipv4:10.1.2.3:4000").WithHeader("x-forwarded-for", "203.0.113.9");
  EXPECT_EQ(AddressOf("/p.S/Limited", via_proxy), "203.0.113.9");
  const FakeCall direct =
      FakeCall().WithPeer("ipv4:198.51.100.7:4000").WithHeader("x-forwarded-for", "203.0.113.9");
  EXPECT_EQ(AddressOf("/p.S/Limited", direct), "198.51.100.7");
}

TEST_F(ClientAddressGuardTest, ABackendWithTheForwardPermissionNamesItsUsersAddress) {
  auto from = [](const std::string& token) {
    return FakeCall()
        .WithPeer("ipv4:198.51.100.7:4000")
        .WithHeader("authorization", "Bearer " + token)
        .WithHeader("x-forwarded-for", "203.0.113.9");
  };
  EXPECT_EQ(AddressOf("/p.S/Login", from("frontend-token"), {.needs_client_address = true}),
            "203.0.113.9");
  // Without the permission, or with a bad token, the transport peer counts.
  EXPECT_EQ(AddressOf("/p.S/Login", from("user-token"), {.needs_client_address = true}),
            "198.51.100.7");
  EXPECT_EQ(AddressOf("/p.S/Login", from("forged"), {.needs_client_address = true}),
            "198.51.100.7");
  // Only for methods that need the address (a per-address limit is not the caller's to move).
  EXPECT_EQ(AddressOf("/p.S/Limited", from("frontend-token")), "198.51.100.7");
}

}  // namespace
}  // namespace warden::guard
