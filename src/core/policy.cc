#include "core/policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace warden::core {
namespace {

MethodRule Public(RateLimit per_peer = {}) {
  return MethodRule{.access = MethodRule::Access::kPublic, .per_peer = per_peer};
}

MethodRule Authenticated() { return MethodRule{.access = MethodRule::Access::kAuthenticated}; }

MethodRule Needs(absl::string_view permission) {
  return MethodRule{.access = MethodRule::Access::kRestricted,
                    .permissions = {std::string(permission)}};
}

bool Contains(const std::vector<std::string>& values, absl::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

absl::string_view PrincipalKindName(Principal::Kind kind) {
  switch (kind) {
    case Principal::Kind::kUser:
      return "user";
    case Principal::Kind::kApiKey:
      return "api_key";
    case Principal::Kind::kCertificate:
      return "certificate";
  }
  return "unknown";
}

Policy Policy::Default() {
  Policy policy;
  // Password hashing is the expensive part of Register and Login: a client address gets a
  // burst of 20 and then 5 per second. RefreshToken is store I/O: 20 per second.
  policy.SetRule("/auth.AuthService/Register", Public({.per_second = 5, .burst = 20}));
  policy.SetRule("/auth.AuthService/Login", Public({.per_second = 5, .burst = 20}));
  policy.SetRule("/auth.AuthService/RefreshToken", Public({.per_second = 20, .burst = 50}));
  // ValidateToken checks the token it is given; that is its answer, not an admission step.
  policy.SetRule("/auth.AuthService/ValidateToken", Public());
  policy.SetRule("/auth.AuthService/Logout", Authenticated());
  policy.SetRule("/grpc.health.v1.Health/*", Public());
  policy.SetRule("/grpc.reflection.v1alpha.ServerReflection/*", Public());
  policy.SetRule("/warden.v1.KeyService/*", Public());
  policy.SetRule("/warden.v1.RevocationService/*", Public());
  policy.SetRule("/warden.v1.AccountService/*", Authenticated());
  policy.SetRule("/warden.v1.AdminService/ListUsers", Needs(kPermUsersRead));
  policy.SetRule("/warden.v1.AdminService/GetUser", Needs(kPermUsersRead));
  policy.SetRule("/warden.v1.AdminService/ListSessions", Needs(kPermUsersRead));
  policy.SetRule("/warden.v1.AdminService/SetRoles", Needs(kPermUsersWrite));
  policy.SetRule("/warden.v1.AdminService/SetDisabled", Needs(kPermUsersWrite));
  policy.SetRule("/warden.v1.AdminService/DeleteUser", Needs(kPermUsersWrite));
  policy.SetRule("/warden.v1.AdminService/SetPassword", Needs(kPermUsersWrite));
  policy.SetRule("/warden.v1.AdminService/RevokeSession", Needs(kPermSessionsWrite));
  policy.SetRule("/warden.v1.AdminService/RevokeUserSessions", Needs(kPermSessionsWrite));
  policy.SetRule("/warden.v1.AdminService/CreateApiKey", Needs(kPermApiKeysWrite));
  policy.SetRule("/warden.v1.AdminService/ListApiKeys", Needs(kPermApiKeysWrite));
  policy.SetRule("/warden.v1.AdminService/RevokeApiKey", Needs(kPermApiKeysWrite));
  policy.SetRule("/warden.v1.AdminService/ListAuditEvents", Needs(kPermAuditRead));
  policy.SetRule("/warden.v1.AdminService/*", Needs("admin:*"));  // anything added later
  policy.SetRolePermissions(std::string(kRoleAdmin), {"*"});
  policy.SetRolePermissions("auditor", {std::string(kPermUsersRead), std::string(kPermAuditRead)});
  policy.SetRolePermissions(std::string(kRoleLoginProxy), {std::string(kPermForwardClientAddress)});
  return policy;
}

void Policy::SetRule(std::string pattern, MethodRule rule) {
  rules_.insert_or_assign(std::move(pattern), std::move(rule));
}

void Policy::SetRolePermissions(std::string role, std::vector<std::string> permissions) {
  role_permissions_.insert_or_assign(std::move(role), std::move(permissions));
}

void Policy::SetCertificateRoles(std::string identity, std::vector<std::string> roles) {
  certificate_roles_.insert_or_assign(std::move(identity), std::move(roles));
}

const MethodRule* Policy::RuleFor(absl::string_view method) const {
  if (auto it = rules_.find(method); it != rules_.end()) {
    return &it->second;
  }
  const size_t slash = method.rfind('/');
  if (slash == absl::string_view::npos || slash == 0) {
    return nullptr;
  }
  if (auto it = rules_.find(absl::StrCat(method.substr(0, slash), "/*")); it != rules_.end()) {
    return &it->second;
  }
  return nullptr;
}

const std::vector<std::string>* Policy::CertificateRoles(absl::string_view identity) const {
  auto it = certificate_roles_.find(identity);
  return it == certificate_roles_.end() ? nullptr : &it->second;
}

bool Policy::HasPermission(const Principal& principal, absl::string_view permission) const {
  for (const std::string& role : principal.roles) {
    auto it = role_permissions_.find(role);
    if (it != role_permissions_.end() &&
        (Contains(it->second, "*") || Contains(it->second, permission))) {
      return true;
    }
  }
  return false;
}

absl::Status Policy::Authorize(const MethodRule& rule, const Principal* principal) const {
  if (rule.access == MethodRule::Access::kPublic) {
    return absl::OkStatus();
  }
  if (principal == nullptr) {
    return absl::UnauthenticatedError("this method needs credentials: a bearer token or API key");
  }
  if (rule.access == MethodRule::Access::kAuthenticated) {
    return absl::OkStatus();
  }
  if (rule.roles.empty() && rule.permissions.empty()) {
    return absl::PermissionDeniedError("this method is not open to any caller");
  }
  if (!rule.roles.empty() &&
      std::none_of(rule.roles.begin(), rule.roles.end(),
                   [&](const std::string& role) { return Contains(principal->roles, role); })) {
    return absl::PermissionDeniedError("the caller lacks the role this method needs");
  }
  for (const std::string& permission : rule.permissions) {
    if (!HasPermission(*principal, permission)) {
      return absl::PermissionDeniedError(
          absl::StrCat("the caller lacks the permission ", permission));
    }
  }
  return absl::OkStatus();
}

}  // namespace warden::core
