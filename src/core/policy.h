#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace warden::core {

// Who is calling, once a credential has been checked.
struct Principal {
  enum class Kind { kUser, kApiKey, kCertificate };
  Kind kind = Kind::kUser;
  std::string id;    // user id, API key id, or certificate identity
  std::string name;  // username, API key name, or certificate identity
  std::vector<std::string> roles;
  std::string session_id;  // users only
};

absl::string_view PrincipalKindName(Principal::Kind kind);

// A sustained rate and a burst; a zero rate is no limit. (Mirrors resilience::RateSpec, which
// core does not depend on.)
struct RateLimit {
  double per_second = 0;
  double burst = 0;
};

// What a method asks of its callers.
struct MethodRule {
  enum class Access { kPublic, kAuthenticated, kRestricted };
  Access access = Access::kRestricted;
  // kRestricted: the caller needs one of `roles` (if any are listed) and every permission in
  // `permissions` (if any are listed).
  std::vector<std::string> roles;
  std::vector<std::string> permissions;
  // Token buckets: per client address, per authenticated principal, and for the method as a
  // whole.
  RateLimit per_peer;
  RateLimit per_principal;
  RateLimit per_method;
};

// The per-method access policy: which methods are public, which need a caller, which need which
// roles or permissions, and what each role grants. A method with no rule is denied.
//
// Immutable once built; thread-safe to read.
class Policy {
 public:
  // The built-in policy (see docs/policy.md): the seed's Register, Login, RefreshToken and
  // ValidateToken, health, reflection and JWKS are public; Logout and the account service need
  // a caller; the admin service needs permissions that the `admin` role has.
  static Policy Default();

  // `pattern` is a full method name ("/auth.AuthService/Login") or a service wildcard
  // ("/warden.v1.AdminService/*"). An exact rule wins over a wildcard.
  void SetRule(std::string pattern, MethodRule rule);
  // Grants `permissions` to `role` ("*" grants every permission). Replaces earlier grants.
  void SetRolePermissions(std::string role, std::vector<std::string> permissions);
  // Client-certificate identities (CN or URI SAN) accepted as principals, with their roles.
  void SetCertificateRoles(std::string identity, std::vector<std::string> roles);

  // The rule for `method`, or nullptr: deny.
  const MethodRule* RuleFor(absl::string_view method) const;
  // The roles of a client-certificate identity, or nullptr when it is not a known principal.
  const std::vector<std::string>* CertificateRoles(absl::string_view identity) const;
  // OK when `principal` (nullptr: anonymous) may call a method with `rule`: kUnauthenticated
  // when a principal is needed and absent, kPermissionDenied when it lacks a role/permission.
  absl::Status Authorize(const MethodRule& rule, const Principal* principal) const;
  bool HasPermission(const Principal& principal, absl::string_view permission) const;

  const absl::flat_hash_map<std::string, MethodRule>& rules() const { return rules_; }

 private:
  absl::flat_hash_map<std::string, MethodRule> rules_;
  absl::flat_hash_map<std::string, std::vector<std::string>> role_permissions_;
  absl::flat_hash_map<std::string, std::vector<std::string>> certificate_roles_;
};

// Permissions named by the built-in policy.
inline constexpr absl::string_view kPermUsersRead = "users:read";
inline constexpr absl::string_view kPermUsersWrite = "users:write";
inline constexpr absl::string_view kPermSessionsWrite = "sessions:write";
inline constexpr absl::string_view kPermApiKeysWrite = "apikeys:write";
inline constexpr absl::string_view kPermAuditRead = "audit:read";
// A backend that calls Login for its users (an API key or client certificate with this
// permission) names each user's address in x-forwarded-for; brute-force limits key by it.
inline constexpr absl::string_view kPermForwardClientAddress = "login:forward_address";
inline constexpr absl::string_view kRoleLoginProxy = "login-proxy";
inline constexpr absl::string_view kRoleAdmin = "admin";

}  // namespace warden::core
