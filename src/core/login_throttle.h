#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "common/clock.h"
#include "core/ports/login_throttle.h"

namespace warden::core {

// LoginThrottle in this process's memory.
//
// Per (account, address): the first `free_failures` failures cost nothing; each later one makes
// the pair wait `base_delay` doubled per failure (at most `max_delay`); at `lockout_after`
// failures the pair pauses for `lockout`, after which it starts afresh. Failures older than
// `lockout` are forgotten.
//
// Per account: at most `hourly_cap` failed checks in any hour from addresses the account has
// not logged in from within `known_address_ttl` (ASVS 2.2.1); its known addresses are held
// only to their pair counters.
//
// Per address: a budget of `peer_failures` failed checks that refills over `peer_window`
// (token bucket); an empty budget refuses attempts from the address, except for accounts that
// know it, until the next failure's worth has refilled.
//
// Thread-safe (one mutex; it is taken twice per login, next to an Argon2id hash).
class InMemoryLoginThrottle final : public LoginThrottle {
 public:
  struct Options {
    int free_failures = 3;
    std::chrono::seconds base_delay{1};
    std::chrono::seconds max_delay{30};
    int lockout_after = 10;
    std::chrono::seconds lockout = std::chrono::minutes(15);
    int hourly_cap = 100;
    int peer_failures = 50;
    std::chrono::seconds peer_window = std::chrono::minutes(15);
    std::chrono::seconds known_address_ttl = std::chrono::hours(24 * 30);
    size_t max_entries = 200'000;  // pairs + accounts + addresses remembered
  };

  InMemoryLoginThrottle(const Clock& clock, Options options) : clock_(clock), options_(options) {}

  ThrottleDecision Check(absl::string_view account, absl::string_view peer) override;
  FailureOutcome RecordFailure(absl::string_view account, absl::string_view peer) override;
  void RecordSuccess(absl::string_view account, absl::string_view peer) override;

  const Options& options() const { return options_; }
  size_t SizeForTest();

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct PairState {
    int failures = 0;
    TimePoint last_failure;
    TimePoint next_attempt;
    TimePoint locked_until;
    TimePoint known_until;  // the account logged in from this address: it is known until then
  };
  struct AccountState {
    std::deque<TimePoint> last_hour;  // failure times from unknown addresses, at most hourly_cap
  };
  struct PeerState {
    double spent = 0;  // failures not yet refilled
    TimePoint updated;
  };
  void Forget(PairState& state, TimePoint now) const;
  void Refill(PeerState& state, TimePoint now) const;
  void Prune(TimePoint now);

  const Clock& clock_;
  const Options options_;
  std::mutex mutex_;
  absl::flat_hash_map<std::string, PairState> pairs_;  // key: account '\0' address
  absl::flat_hash_map<std::string, AccountState> accounts_;
  absl::flat_hash_map<std::string, PeerState> peers_;
};

}  // namespace warden::core
