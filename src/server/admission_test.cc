#include "server/admission.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth.grpc.pb.h"
#include "core/policy.h"
#include "health/v1/health.grpc.pb.h"
#include "warden/v1/admin.grpc.pb.h"
#include "warden/v1/keys.grpc.pb.h"

namespace warden::server {
namespace {

// A binary that serves a service links its generated code, which registers the descriptors;
// this test serves none, so it touches one message of each file.
[[maybe_unused]] const bool kDescriptorsLinked =
    ::auth::LoginRequest::descriptor() != nullptr &&
    ::grpc::health::v1::HealthCheckRequest::descriptor() != nullptr &&
    ::warden::v1::ListUsersRequest::descriptor() != nullptr &&
    ::warden::v1::GetJwksRequest::descriptor() != nullptr;

TEST(AdmissionTest, BindsMethodsByTheirGeneratedServiceName) {
  std::unique_ptr<guard::GuardChain> chain = guard::GuardChain::AllowAll();
  EXPECT_EQ(BindMethod<::auth::AuthService>(*chain, "Login").method(), "/auth.AuthService/Login");
  EXPECT_EQ(BindMethod<::grpc::health::v1::Health>(*chain, "Watch").method(),
            "/grpc.health.v1.Health/Watch");
}

TEST(AdmissionDeathTest, AMethodTheDescriptorLacksAbortsAtStartUp) {
  std::unique_ptr<guard::GuardChain> chain = guard::GuardChain::AllowAll();
  EXPECT_DEATH(BindMethod<::auth::AuthService>(*chain, "LogIn"),
               "service auth.AuthService has no method LogIn");
  EXPECT_DEATH(BindMethod(*chain, "auth.NoSuchService", "Login"), "no generated descriptor");
}

TEST(AdmissionTest, MethodsOfListsTheDescriptor) {
  EXPECT_THAT(
      MethodsOf(::auth::AuthService::service_full_name()),
      ::testing::ElementsAre("/auth.AuthService/Register", "/auth.AuthService/Login",
                             "/auth.AuthService/RefreshToken", "/auth.AuthService/ValidateToken",
                             "/auth.AuthService/Logout"));
}

// A method the server serves but the default policy forgot would be denied to everyone.
TEST(AdmissionTest, TheDefaultPolicyHasARuleForEveryServedMethod) {
  const core::Policy policy = core::Policy::Default();
  for (const char* service :
       {::auth::AuthService::service_full_name(), ::warden::v1::AdminService::service_full_name(),
        ::warden::v1::AccountService::service_full_name(),
        ::warden::v1::KeyService::service_full_name(),
        ::warden::v1::RevocationService::service_full_name(),
        ::grpc::health::v1::Health::service_full_name()}) {
    const std::vector<std::string> methods = MethodsOf(service);
    EXPECT_FALSE(methods.empty()) << service;
    for (const std::string& method : methods) {
      EXPECT_NE(policy.RuleFor(method), nullptr) << method;
    }
  }
}

}  // namespace
}  // namespace warden::server
