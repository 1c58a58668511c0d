#include "resilience/circuit_breaker.h"

#include <algorithm>

namespace warden::resilience {

const char* BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(BreakerOptions options, const Clock& clock)
    : options_(options), clock_(clock), current_open_for_(options.open_for) {}

int64_t CircuitBreaker::EpochAt(std::chrono::steady_clock::time_point now) const {
  const auto slot = std::max<int64_t>(1, options_.window.count() * 1000 / kSlots);  // in us
  return std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() /
         slot;
}

bool CircuitBreaker::Allow() {
  const auto now = clock_.SteadyNow();
  std::lock_guard lock(mutex_);
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      if (now < open_until_) {
        return false;
      }
      state_ = BreakerState::kHalfOpen;
      probe_in_flight_ = true;
      return true;
    case BreakerState::kHalfOpen:
      if (probe_in_flight_) {
        return false;
      }
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::Open(std::chrono::steady_clock::time_point now) {
  state_ = BreakerState::kOpen;
  open_until_ = now + current_open_for_;
  probe_in_flight_ = false;
}

void CircuitBreaker::Record(bool success) {
  const auto now = clock_.SteadyNow();
  std::lock_guard lock(mutex_);
  if (state_ == BreakerState::kHalfOpen) {
    if (success) {
      state_ = BreakerState::kClosed;
      current_open_for_ = options_.open_for;
      slots_ = {};
      probe_in_flight_ = false;
      failures_in_a_row_ = 0;
    } else {
      current_open_for_ = std::min(current_open_for_ * 2, options_.max_open_for);
      Open(now);
    }
    return;
  }
  if (state_ == BreakerState::kOpen) {
    return;  // a call admitted before the breaker opened; it changes nothing now
  }
  const int64_t epoch = EpochAt(now);
  Slot& slot = slots_[static_cast<size_t>(epoch % kSlots)];
  if (slot.epoch != epoch) {
    slot = Slot{.epoch = epoch};
  }
  ++slot.calls;
  slot.failures += success ? 0 : 1;
  failures_in_a_row_ = success ? 0 : failures_in_a_row_ + 1;
  if (options_.consecutive_failures > 0 && failures_in_a_row_ >= options_.consecutive_failures) {
    failures_in_a_row_ = 0;
    Open(now);
    return;
  }
  int calls = 0;
  int failures = 0;
  for (const Slot& s : slots_) {
    if (s.epoch > epoch - kSlots) {
      calls += s.calls;
      failures += s.failures;
    }
  }
  if (calls >= options_.minimum_calls && failures >= options_.failure_ratio * calls) {
    Open(now);
  }
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace warden::resilience
