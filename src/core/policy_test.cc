#include "core/policy.h"

#include <gtest/gtest.h>

namespace warden::core {
namespace {

Principal User(std::vector<std::string> roles) {
  return Principal{.kind = Principal::Kind::kUser, .id = "u1", .name = "ann", .roles = roles};
}

TEST(PolicyTest, SeedMethodsAndProbesArePublic) {
  const Policy policy = Policy::Default();
  for (const char* method : {"/auth.AuthService/Register", "/auth.AuthService/Login",
                             "/auth.AuthService/RefreshToken", "/auth.AuthService/ValidateToken",
                             "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
                             "/grpc.reflection.v1alpha.ServerReflection/"
                             "ServerReflectionInfo",
                             "/warden.v1.KeyService/GetJwks"}) {
    const MethodRule* rule = policy.RuleFor(method);
    ASSERT_NE(rule, nullptr) << method;
    EXPECT_TRUE(policy.Authorize(*rule, nullptr).ok()) << method;
  }
}

TEST(PolicyTest, UnknownMethodsHaveNoRule) {
  const Policy policy = Policy::Default();
  EXPECT_EQ(policy.RuleFor("/auth.AuthService/Nope2"), nullptr);
  EXPECT_EQ(policy.RuleFor("/other.Service/Call"), nullptr);
  EXPECT_EQ(policy.RuleFor("garbage"), nullptr);
  EXPECT_EQ(policy.RuleFor(""), nullptr);
}

TEST(PolicyTest, LogoutNeedsACaller) {
  const Policy policy = Policy::Default();
  const MethodRule* rule = policy.RuleFor("/auth.AuthService/Logout");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(policy.Authorize(*rule, nullptr).code(), absl::StatusCode::kUnauthenticated);
  const Principal user = User({"user"});
  EXPECT_TRUE(policy.Authorize(*rule, &user).ok());
}

TEST(PolicyTest, AdminMethodsNeedAdminPermissions) {
  const Policy policy = Policy::Default();
  const MethodRule* rule = policy.RuleFor("/warden.v1.AdminService/SetRoles");
  ASSERT_NE(rule, nullptr);
  const Principal user = User({"user"});
  const Principal admin = User({"user", "admin"});
  const Principal auditor = User({"auditor"});
  EXPECT_EQ(policy.Authorize(*rule, nullptr).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Authorize(*rule, &user).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(policy.Authorize(*rule, &auditor).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(policy.Authorize(*rule, &admin).ok());
  const MethodRule* list = policy.RuleFor("/warden.v1.AdminService/ListUsers");
  ASSERT_NE(list, nullptr);
  EXPECT_TRUE(policy.Authorize(*list, &auditor).ok());
  // A method added to the admin service later falls under the service wildcard: admins only.
  const MethodRule* future = policy.RuleFor("/warden.v1.AdminService/SomethingNew");
  ASSERT_NE(future, nullptr);
  EXPECT_EQ(policy.Authorize(*future, &auditor).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(policy.Authorize(*future, &admin).ok());
}

TEST(PolicyTest, ExactRuleWinsOverWildcardAndRolesAreAnyOf) {
  Policy policy;
  policy.SetRule("/svc.S/*", MethodRule{.access = MethodRule::Access::kPublic});
  policy.SetRule("/svc.S/Secret",
                 MethodRule{.access = MethodRule::Access::kRestricted, .roles = {"ops", "sre"}});
  const Principal sre = User({"sre"});
  const Principal dev = User({"dev"});
  EXPECT_TRUE(policy.Authorize(*policy.RuleFor("/svc.S/Open"), nullptr).ok());
  EXPECT_TRUE(policy.Authorize(*policy.RuleFor("/svc.S/Secret"), &sre).ok());
  EXPECT_EQ(policy.Authorize(*policy.RuleFor("/svc.S/Secret"), &dev).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(PolicyTest, RestrictedRuleWithNothingListedDeniesEveryone) {
  Policy policy;
  policy.SetRule("/svc.S/M", MethodRule{.access = MethodRule::Access::kRestricted});
  const Principal admin = User({"admin"});
  EXPECT_EQ(policy.Authorize(*policy.RuleFor("/svc.S/M"), &admin).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(PolicyTest, CertificateIdentitiesMapToRoles) {
  Policy policy = Policy::Default();
  policy.SetCertificateRoles("spiffe://example.org/billing", {"admin"});
  ASSERT_NE(policy.CertificateRoles("spiffe://example.org/billing"), nullptr);
  EXPECT_EQ(policy.CertificateRoles("spiffe://example.org/other"), nullptr);
}

}  // namespace
}  // namespace warden::core
