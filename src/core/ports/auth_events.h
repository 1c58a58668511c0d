#pragma once

#include <chrono>

#include "absl/strings/string_view.h"

namespace warden::core {

enum class LoginResult { kSuccess, kInvalidCredentials, kInvalidArgument, kThrottled, kError };
enum class LockoutScope { kAccount, kPeer };
enum class RateLimitScope { kPeer, kPrincipal, kMethod };
enum class RefreshResult {
  kRotated,
  kKept,     // a stable session's token, used again
  kRetried,  // a retry within the grace window: the same successor again
  kReuseDetected,
  kInvalid,
  kExpired,
  kRevoked,
  kError
};
enum class TokenKind { kAccess, kRefresh };

// What happened in the auth use cases, for metrics (and later the audit trail). Every method
// has an empty default so a sink overrides only what it needs. Implementations must be
// thread-safe and cheap: OnValidation runs on the ValidateToken hot path.
class AuthEvents {
 public:
  virtual ~AuthEvents() = default;
  virtual void OnRegister(bool /*created*/) {}
  virtual void OnLogin(LoginResult /*result*/) {}
  virtual void OnRefresh(RefreshResult /*result*/) {}
  virtual void OnTokenIssued(TokenKind /*kind*/) {}
  virtual void OnValidation(bool /*valid*/) {}
  virtual void OnLogout() {}
  virtual void OnPasswordHash(std::chrono::nanoseconds /*took*/) {}
  // An account or a client address was locked out after repeated failed logins.
  virtual void OnLockout(LockoutScope /*scope*/) {}
  // A call was refused by a rate limit (method: full gRPC method name).
  virtual void OnRateLimited(absl::string_view /*method*/, RateLimitScope /*scope*/) {}
  // A call was refused by admission: kUnauthenticated or kPermissionDenied.
  virtual void OnDenied(absl::string_view /*method*/, bool /*authenticated*/) {}
};

// Ignores everything.
class NoAuthEvents final : public AuthEvents {};

}  // namespace warden::core
