#pragma once

#include <chrono>

#include "absl/strings/string_view.h"

namespace warden::core {

// Whether a login attempt may check its password at all. Decided before the password is
// looked at, from failures alone (made-up accounts count like real ones), so a refusal says
// nothing about the account or the password.
struct ThrottleDecision {
  enum class Verdict {
    kAllow,
    kAccountDelayed,  // too soon after the last failures of this account from this address
    kAccountLocked,   // too many failures of this account from this address: a pause
    kAccountCapped,   // the account's hourly cap of failed checks, from addresses it has never
                      // logged in from, is used up (ASVS 2.2.1)
    kPeerThrottled,   // this address spent its budget of failed checks (it refills steadily)
  };
  Verdict verdict = Verdict::kAllow;
  std::chrono::seconds retry_after{0};
};

// Brute-force protection, keyed so that nobody can lock a user out of their own account from
// elsewhere (docs/adr/0018-login-throttling.md):
//  - (account, address) pairs carry the strict counters: progressive delays, then a pause;
//  - an account has an hourly cap of failed checks that only addresses it has not logged in
//    from are held to, so guessing from everywhere slows down but its owner's usual address
//    still gets through;
//  - an address has a budget of failed checks that refills steadily, so it cannot spray
//    passwords over many accounts, while a correct login from it waits at most one refill
//    (and not at all for an account that has logged in from it before).
// Implementations are thread-safe; in memory per replica, or shared across replicas.
class LoginThrottle {
 public:
  virtual ~LoginThrottle() = default;
  // Called before the password is checked. `peer` may be empty (unknown address).
  virtual ThrottleDecision Check(absl::string_view account, absl::string_view peer) = 0;
  // What a failure locked.
  struct FailureOutcome {
    bool account_locked = false;  // the (account, address) pair is paused now
    bool peer_locked = false;     // the address has just spent its budget
  };
  // A wrong password or unknown user.
  virtual FailureOutcome RecordFailure(absl::string_view account, absl::string_view peer) = 0;
  // A correct password: the pair's failures start again, and `peer` becomes a known address
  // of the account.
  virtual void RecordSuccess(absl::string_view account, absl::string_view peer) = 0;
};

}  // namespace warden::core
