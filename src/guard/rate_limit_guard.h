#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/policy.h"
#include "core/ports/auth_events.h"
#include "guard/guard.h"
#include "resilience/token_bucket.h"

namespace warden::guard {

// Makes the limiter of one method's rate limit; `name` is "<method>:<scope>" (for example
// "/auth.AuthService/Login:peer"), unique per limiter and stable across releases: shared
// limiters (Redis) key their counters by it.
using LimiterFactory = std::function<std::unique_ptr<resilience::RateLimiter>(
    resilience::RateSpec spec, const std::string& name)>;

// Limiters in this process's memory.
LimiterFactory InProcessLimiters(const Clock& clock);

// The token buckets of the policy's rules, for the scopes it is given:
// - kPeer: one bucket per client address (the client-address guard must run first);
// - kMethod: one bucket for the method as a whole;
// - kPrincipal: one bucket per authenticated caller, for non-public methods (after the
//   credential guard; an anonymous call has no bucket).
// The chain runs the per-address and per-method scopes before credentials are checked, so a
// flood is refused before any token is verified, and the per-principal scope after.
// A refusal is kResourceExhausted with a retry hint (common/retry_after.h).
//
// Thread-safe. Keeps references to `policy` and `events` (may be null).
class RateLimitGuard final : public Guard {
 public:
  RateLimitGuard(const core::Policy& policy, std::vector<core::RateLimitScope> scopes,
                 LimiterFactory limiters, core::AuthEvents* events);
  std::unique_ptr<MethodCheck> Bind(const MethodInfo& method) override;

 private:
  const core::Policy& policy_;
  std::vector<core::RateLimitScope> scopes_;
  LimiterFactory limiters_;
  core::AuthEvents* events_;
};

}  // namespace warden::guard
