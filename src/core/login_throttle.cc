#include "core/login_throttle.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace warden::core {
namespace {

std::chrono::seconds CeilSeconds(std::chrono::steady_clock::duration d) {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(d));
}

std::string PairKey(absl::string_view account, absl::string_view peer) {
  return absl::StrCat(account, absl::string_view("\0", 1), peer);
}

}  // namespace

void InMemoryLoginThrottle::Forget(PairState& state, TimePoint now) const {
  if (state.failures > 0 && now - state.last_failure >= options_.lockout &&
      now >= state.locked_until) {
    state.failures = 0;
  }
}

void InMemoryLoginThrottle::Refill(PeerState& state, TimePoint now) const {
  if (options_.peer_failures > 0 && options_.peer_window.count() > 0 && now > state.updated) {
    const double refilled = std::chrono::duration<double>(now - state.updated).count() *
                            options_.peer_failures /
                            std::chrono::duration<double>(options_.peer_window).count();
    state.spent = std::max(0.0, state.spent - refilled);
  }
  state.updated = now;
}

ThrottleDecision InMemoryLoginThrottle::Check(absl::string_view account, absl::string_view peer) {
  const TimePoint now = clock_.SteadyNow();
  std::lock_guard lock(mutex_);
  bool known = false;
  if (auto it = pairs_.find(PairKey(account, peer)); it != pairs_.end()) {
    PairState& pair = it->second;
    Forget(pair, now);
    if (now < pair.locked_until) {
      return {ThrottleDecision::Verdict::kAccountLocked, CeilSeconds(pair.locked_until - now)};
    }
    if (now < pair.next_attempt) {
      return {ThrottleDecision::Verdict::kAccountDelayed, CeilSeconds(pair.next_attempt - now)};
    }
    known = !peer.empty() && now < pair.known_until;
  }
  if (known) {
    return {};
  }
  if (!peer.empty() && options_.peer_failures > 0) {
    if (auto it = peers_.find(peer); it != peers_.end()) {
      PeerState& state = it->second;
      Refill(state, now);
      const double over = state.spent - (options_.peer_failures - 1);
      if (over > 0) {
        const auto wait =
            std::chrono::duration<double>(options_.peer_window) * over / options_.peer_failures;
        return {ThrottleDecision::Verdict::kPeerThrottled,
                CeilSeconds(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait))};
      }
    }
  }
  if (options_.hourly_cap > 0) {
    if (auto it = accounts_.find(account); it != accounts_.end()) {
      std::deque<TimePoint>& hour = it->second.last_hour;
      while (!hour.empty() && now - hour.front() >= std::chrono::hours(1)) {
        hour.pop_front();
      }
      if (static_cast<int>(hour.size()) >= options_.hourly_cap) {
        return {ThrottleDecision::Verdict::kAccountCapped,
                CeilSeconds(hour.front() + std::chrono::hours(1) - now)};
      }
    }
  }
  return {};
}

LoginThrottle::FailureOutcome InMemoryLoginThrottle::RecordFailure(absl::string_view account,
                                                                   absl::string_view peer) {
  FailureOutcome outcome;
  const TimePoint now = clock_.SteadyNow();
  std::lock_guard lock(mutex_);
  if (pairs_.size() + accounts_.size() + peers_.size() >= options_.max_entries) {
    Prune(now);
  }
  PairState& pair = pairs_[PairKey(account, peer)];
  const bool known = !peer.empty() && now < pair.known_until;
  Forget(pair, now);
  pair.failures += 1;
  pair.last_failure = now;
  if (options_.lockout_after > 0 && pair.failures >= options_.lockout_after) {
    pair.locked_until = now + options_.lockout;
    pair.next_attempt = pair.locked_until;
    pair.failures = 0;
    outcome.account_locked = true;
  } else if (pair.failures > options_.free_failures) {
    const int doublings = std::min(pair.failures - options_.free_failures - 1, 20);
    const auto delay = std::min<std::chrono::seconds>(
        options_.base_delay * (int64_t{1} << doublings), options_.max_delay);
    pair.next_attempt = now + delay;
  }
  if (!known && options_.hourly_cap > 0) {
    std::deque<TimePoint>& hour = accounts_[account].last_hour;
    hour.push_back(now);
    if (static_cast<int>(hour.size()) > options_.hourly_cap) {
      hour.pop_front();
    }
  }
  if (!peer.empty() && options_.peer_failures > 0) {
    PeerState& state = peers_[peer];
    Refill(state, now);
    const bool had_budget = state.spent <= options_.peer_failures - 1;
    state.spent = std::min<double>(state.spent + 1, options_.peer_failures);
    outcome.peer_locked = had_budget && state.spent > options_.peer_failures - 1;
  }
  return outcome;
}

void InMemoryLoginThrottle::RecordSuccess(absl::string_view account, absl::string_view peer) {
  const TimePoint now = clock_.SteadyNow();
  std::lock_guard lock(mutex_);
  if (pairs_.size() + accounts_.size() + peers_.size() >= options_.max_entries) {
    Prune(now);
  }
  PairState& pair = pairs_[PairKey(account, peer)];
  pair.failures = 0;
  pair.next_attempt = {};
  if (!peer.empty()) {
    pair.known_until = now + options_.known_address_ttl;
  }
}

void InMemoryLoginThrottle::Prune(TimePoint now) {
  absl::erase_if(pairs_, [&](const auto& entry) {
    const PairState& state = entry.second;
    return now >= state.locked_until && now >= state.next_attempt && now >= state.known_until &&
           (state.failures == 0 || now - state.last_failure >= options_.lockout);
  });
  absl::erase_if(accounts_, [&](const auto& entry) {
    const std::deque<TimePoint>& hour = entry.second.last_hour;
    return hour.empty() || now - hour.back() >= std::chrono::hours(1);
  });
  absl::erase_if(peers_, [&](auto& entry) {
    Refill(entry.second, now);
    return entry.second.spent <= 0;
  });
  // Under a flood of distinct names the maps may still be full of recent entries: forget
  // arbitrary pairs and accounts, never the addresses' budgets, rather than grow without
  // bound. Known addresses go last; the per-address budget still holds each attacker back.
  const size_t target = options_.max_entries * 9 / 10;
  for (auto it = pairs_.begin();
       it != pairs_.end() && pairs_.size() + accounts_.size() + peers_.size() >= target;) {
    if (now < it->second.known_until) {
      ++it;
    } else {
      pairs_.erase(it++);
    }
  }
  while (pairs_.size() + accounts_.size() + peers_.size() >= target && !accounts_.empty()) {
    accounts_.erase(accounts_.begin());
  }
  while (pairs_.size() + accounts_.size() + peers_.size() >= target && !pairs_.empty()) {
    pairs_.erase(pairs_.begin());
  }
}

size_t InMemoryLoginThrottle::SizeForTest() {
  std::lock_guard lock(mutex_);
  return pairs_.size() + accounts_.size() + peers_.size();
}

}  // namespace warden::core
