#pragma once

#include <memory>

#include "core/policy.h"
#include "core/ports/auth_events.h"
#include "guard/guard.h"

namespace warden::guard {

// The policy's verdict, last in the chain: a method without a rule is denied (fail closed), a
// public method passes, any other asks core::Policy::Authorize about the principal the
// credential guard found (none: anonymous).
//
// Thread-safe. Keeps references to `policy` and `events` (may be null).
class PolicyGuard final : public Guard {
 public:
  PolicyGuard(const core::Policy& policy, core::AuthEvents* events)
      : policy_(policy), events_(events) {}
  std::unique_ptr<MethodCheck> Bind(const MethodInfo& method) override;

 private:
  const core::Policy& policy_;
  core::AuthEvents* events_;
};

}  // namespace warden::guard
