#include "core/login_throttle.h"

#include <algorithm>

namespace warden::core {
namespace {

std::chrono::seconds CeilSeconds(std::chrono::steady_clock::duration d) {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(d));
}

}  // namespace

void InMemoryLoginThrottle::Forget(AccountState& state, TimePoint now) const {
  while (!state.last_hour.empty() && now - state.last_hour.front() >= std::chrono::hours(1)) {
    state.last_hour.pop_front();
  }
  if (state.failures > 0 && now - state.last_failure >= options_.lockout &&
      now >= state.locked_until) {
    state.failures = 0;
  }
}

ThrottleDecision InMemoryLoginThrottle::Check(absl::string_view account, absl::string_view peer) {
  const TimePoint now = clock_.SteadyNow();
  std::lock_guard lock(mutex_);
  if (!peer.empty()) {
    if (auto it = peers_.find(peer); it != peers_.end() && now < it->second.locked_until) {
      return {ThrottleDecision::Verdict::kPeerLocked, CeilSeconds(it->second.locked_until - now)};
    }
  }
  auto it = accounts_.find(account);
  if (it == accounts_.end()) {
    return {};
  }
  AccountState& state = it->second;
  Forget(state, now);
  if (now < state.locked_until) {
    return {ThrottleDecision::Verdict::kAccountLocked, CeilSeconds(state.locked_until - now)};
  }
  if (options_.hourly_cap > 0 && static_cast<int>(state.last_hour.size()) >= options_.hourly_cap) {
    return {ThrottleDecision::Verdict::kAccountLocked,
            CeilSeconds(state.last_hour.front() + std::chrono::hours(1) - now)};
  }
  if (now < state.next_attempt) {
    return {ThrottleDecision::Verdict::kAccountDelayed, CeilSeconds(state.next_attempt - now)};
  }
  return {};
}

LoginThrottle::FailureOutcome InMemoryLoginThrottle::RecordFailure(absl::string_view account,
                                                                   absl::string_view peer) {
  FailureOutcome outcome;
  const TimePoint now = clock_.SteadyNow();
  std::lock_guard lock(mutex_);
  if (accounts_.size() + peers_.size() >= options_.max_entries) {
    Prune(now);
  }
  if (!peer.empty()) {
    PeerState& peer_state = peers_[peer];
    while (!peer_state.failures.empty() &&
           now - peer_state.failures.front() >= options_.peer_window) {
      peer_state.failures.pop_front();
    }
    peer_state.failures.push_back(now);
    if (options_.peer_failures > 0 &&
        static_cast<int>(peer_state.failures.size()) >= options_.peer_failures) {
      peer_state.locked_until = now + options_.peer_lockout;
      peer_state.failures.clear();
      outcome.peer_locked = true;
    }
  }
  AccountState& state = accounts_[account];
  Forget(state, now);
  state.failures += 1;
  state.last_failure = now;
  state.last_hour.push_back(now);
  if (options_.hourly_cap > 0 && static_cast<int>(state.last_hour.size()) > options_.hourly_cap) {
    state.last_hour.pop_front();
  }
  if (options_.lockout_after > 0 && state.failures >= options_.lockout_after) {
    state.locked_until = now + options_.lockout;
    state.next_attempt = state.locked_until;
    state.failures = 0;
    outcome.account_locked = true;
    return outcome;
  }
  if (state.failures > options_.free_failures) {
    const int doublings = std::min(state.failures - options_.free_failures - 1, 20);
    const auto delay = std::min<std::chrono::seconds>(
        options_.base_delay * (int64_t{1} << doublings), options_.max_delay);
    state.next_attempt = now + delay;
  }
  return outcome;
}

void InMemoryLoginThrottle::RecordSuccess(absl::string_view account) {
  std::lock_guard lock(mutex_);
  auto it = accounts_.find(account);
  if (it != accounts_.end()) {
    it->second.failures = 0;
    it->second.next_attempt = {};
  }
}

void InMemoryLoginThrottle::Prune(TimePoint now) {
  absl::erase_if(accounts_, [&](const auto& entry) {
    const AccountState& state = entry.second;
    return now >= state.locked_until && now >= state.next_attempt &&
           (state.last_hour.empty() || now - state.last_hour.back() >= std::chrono::hours(1));
  });
  absl::erase_if(peers_, [&](const auto& entry) {
    const PeerState& state = entry.second;
    return now >= state.locked_until &&
           (state.failures.empty() || now - state.failures.back() >= options_.peer_window);
  });
  // Under a flood of distinct accounts the map may still be full of recent entries: forget
  // arbitrary ones rather than grow without bound. The per-address limit still holds each
  // attacker address back.
  while (accounts_.size() + peers_.size() >= options_.max_entries * 9 / 10 && !accounts_.empty()) {
    accounts_.erase(accounts_.begin());
  }
}

size_t InMemoryLoginThrottle::SizeForTest() {
  std::lock_guard lock(mutex_);
  return accounts_.size() + peers_.size();
}

}  // namespace warden::core
