#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "guard/call.h"

// One admission step, in the shape of Envoy's filters: a Guard is built once from its
// configuration, binds a MethodCheck to each method at start-up (where it looks up rules and
// builds limiters), and the check runs on every call of that method.
namespace warden::guard {

// How a method is bound.
struct MethodOptions {
  // The handler reads the client address (Login's per-address lockout): resolve it even when no
  // per-address limit needs it.
  bool needs_client_address = false;
};

// A method as the guards bind it.
struct MethodInfo {
  std::string name;  // "/package.Service/Method"
  MethodOptions options;
};

// The per-call check of one guard for one method. Thread-safe: one instance serves every call.
class MethodCheck {
 public:
  virtual ~MethodCheck() = default;
  // OK to pass the call on; otherwise the status the call is finished with (a rate-limit
  // refusal carries a retry hint, see common/retry_after.h). May add to `state`.
  virtual absl::Status Check(const CallView& call, CallState& state) const = 0;
};

class Guard {
 public:
  virtual ~Guard() = default;
  // The check of `method`, or nullptr when this guard has nothing to check for it. Called at
  // start-up, never on the call path.
  virtual std::unique_ptr<MethodCheck> Bind(const MethodInfo& method) = 0;
};

}  // namespace warden::guard
