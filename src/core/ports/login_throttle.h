#pragma once

#include <chrono>

#include "absl/strings/string_view.h"

namespace warden::core {

// Whether a login attempt may check its password at all.
struct ThrottleDecision {
  enum class Verdict {
    kAllow,
    kAccountDelayed,  // too soon after the last failures of this account (progressive delay)
    kAccountLocked,   // too many failures for this account: temporary lockout
    kPeerLocked,      // too many failures from this client address
  };
  Verdict verdict = Verdict::kAllow;
  std::chrono::seconds retry_after{0};
};

// Brute-force protection: remembers failed logins per account (lower-cased username, existing
// or not) and per client address. Implementations are thread-safe; in memory per replica, or
// shared across replicas.
class LoginThrottle {
 public:
  virtual ~LoginThrottle() = default;
  // Called before the password is checked. `peer` may be empty (unknown address).
  virtual ThrottleDecision Check(absl::string_view account, absl::string_view peer) = 0;
  // What a failure locked.
  struct FailureOutcome {
    bool account_locked = false;
    bool peer_locked = false;
  };
  // A wrong password or unknown user.
  virtual FailureOutcome RecordFailure(absl::string_view account, absl::string_view peer) = 0;
  // A correct password: the account's failure count starts again.
  virtual void RecordSuccess(absl::string_view account) = 0;
};

}  // namespace warden::core
