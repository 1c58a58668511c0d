#include "guard/rate_limit_guard.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/retry_after.h"

namespace warden::guard {
namespace {

absl::string_view ScopeName(core::RateLimitScope scope) {
  switch (scope) {
    case core::RateLimitScope::kPeer:
      return "client address";
    case core::RateLimitScope::kPrincipal:
      return "caller";
    case core::RateLimitScope::kMethod:
      return "method";
  }
  return "";
}

absl::string_view ScopeSuffix(core::RateLimitScope scope) {
  switch (scope) {
    case core::RateLimitScope::kPeer:
      return "peer";
    case core::RateLimitScope::kPrincipal:
      return "principal";
    case core::RateLimitScope::kMethod:
      return "method";
  }
  return "";
}

const core::RateLimit& LimitOf(const core::MethodRule& rule, core::RateLimitScope scope) {
  switch (scope) {
    case core::RateLimitScope::kPeer:
      return rule.per_peer;
    case core::RateLimitScope::kPrincipal:
      return rule.per_principal;
    case core::RateLimitScope::kMethod:
      break;
  }
  return rule.per_method;
}

// The bucket key of a call in `scope`, or nullopt when the scope does not apply to it.
std::optional<std::string> KeyOf(core::RateLimitScope scope, const CallState& state) {
  switch (scope) {
    case core::RateLimitScope::kPeer:
      return state.admitted.client_address;
    case core::RateLimitScope::kMethod:
      return std::string();
    case core::RateLimitScope::kPrincipal:
      break;
  }
  if (!state.admitted.principal.has_value()) {
    return std::nullopt;
  }
  const core::Principal& who = *state.admitted.principal;
  return absl::StrCat(core::PrincipalKindName(who.kind), ":", who.id);
}

class Limits final : public MethodCheck {
 public:
  struct Limit {
    core::RateLimitScope scope;
    std::unique_ptr<resilience::RateLimiter> limiter;
  };
  Limits(std::string method, std::vector<Limit> limits, core::AuthEvents* events)
      : method_(std::move(method)), limits_(std::move(limits)), events_(events) {}

  absl::Status Check(const CallView& /*call*/, CallState& state) const override {
    for (const Limit& limit : limits_) {
      const std::optional<std::string> key = KeyOf(limit.scope, state);
      if (!key.has_value()) {
        continue;
      }
      const std::chrono::nanoseconds wait = limit.limiter->Take(*key);
      if (wait == std::chrono::nanoseconds::zero()) {
        continue;
      }
      if (events_ != nullptr) {
        events_->OnRateLimited(method_, limit.scope);
      }
      const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
      return WithRetryAfter(
          absl::ResourceExhaustedError(absl::StrCat(
              "rate limit exceeded for this ", ScopeName(limit.scope), " on ", method_,
              "; retry in ", std::max<int64_t>(1, std::ceil(wait_ms.count() / 1000.0)), "s")),
          wait_ms);
    }
    return absl::OkStatus();
  }

 private:
  std::string method_;
  std::vector<Limit> limits_;
  core::AuthEvents* events_;
};

}  // namespace

LimiterFactory InProcessLimiters(const Clock& clock) {
  return [&clock](resilience::RateSpec spec, const std::string& /*name*/) {
    return std::make_unique<resilience::KeyedRateLimiter>(spec, clock);
  };
}

RateLimitGuard::RateLimitGuard(const core::Policy& policy, std::vector<core::RateLimitScope> scopes,
                               LimiterFactory limiters, core::AuthEvents* events)
    : policy_(policy),
      scopes_(std::move(scopes)),
      limiters_(std::move(limiters)),
      events_(events) {}

std::unique_ptr<MethodCheck> RateLimitGuard::Bind(const MethodInfo& method) {
  const core::MethodRule* rule = policy_.RuleFor(method.name);
  if (rule == nullptr) {
    return nullptr;
  }
  std::vector<Limits::Limit> limits;
  for (core::RateLimitScope scope : scopes_) {
    const core::RateLimit& limit = LimitOf(*rule, scope);
    if (limit.per_second <= 0) {
      continue;
    }
    if (scope == core::RateLimitScope::kPrincipal &&
        rule->access == core::MethodRule::Access::kPublic) {
      continue;  // a public method has no caller to count
    }
    limits.push_back(Limits::Limit{
        .scope = scope,
        .limiter =
            limiters_(resilience::RateSpec{.per_second = limit.per_second, .burst = limit.burst},
                      absl::StrCat(method.name, ":", ScopeSuffix(scope)))});
  }
  if (limits.empty()) {
    return nullptr;
  }
  return std::make_unique<Limits>(method.name, std::move(limits), events_);
}

}  // namespace warden::guard
