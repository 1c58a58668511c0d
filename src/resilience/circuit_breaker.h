#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "common/clock.h"

namespace warden::resilience {

// When a breaker opens and how it recovers. The defaults suit a replica that answers in
// milliseconds: five failures in a row, or half of at least five calls within ten seconds,
// open it for two seconds.
struct BreakerOptions {
  std::chrono::milliseconds window{10'000};        // outcomes older than this are forgotten
  int minimum_calls = 5;                           // fewer outcomes in the window never open it
  double failure_ratio = 0.5;                      // opens when failures / calls reach this
  std::chrono::milliseconds open_for{2'000};       // refuses this long before one probe
  std::chrono::milliseconds max_open_for{30'000};  // each failed probe doubles up to this
  // Opens after this many failures in a row (0: never), however many successes the window
  // holds: at thousands of calls a second the ratio alone would wait for thousands of failures.
  int consecutive_failures = 5;
};

enum class BreakerState { kClosed, kOpen, kHalfOpen };

const char* BreakerStateName(BreakerState state);

// The classic three-state circuit breaker over a failure-rate window (ten slots of
// window/10) and a run of consecutive failures. Closed: every call goes, outcomes are counted.
// Open: no call goes until open_for has passed. Half-open: one probe at a time; its success closes
// the breaker (and forgets the window), its failure opens it again for twice as long. Thread-safe.
class CircuitBreaker {
 public:
  CircuitBreaker(BreakerOptions options, const Clock& clock);

  // True when a call may go now; the caller then reports its outcome with Record(). In
  // half-open, true for one caller until that caller records.
  bool Allow();
  void Record(bool success);
  BreakerState state() const;

 private:
  static constexpr int kSlots = 10;
  struct Slot {
    int64_t epoch = -1;  // which window/10 interval the counts belong to
    int calls = 0;
    int failures = 0;
  };

  int64_t EpochAt(std::chrono::steady_clock::time_point now) const;
  void Open(std::chrono::steady_clock::time_point now);

  const BreakerOptions options_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::kClosed;
  std::array<Slot, kSlots> slots_;
  std::chrono::steady_clock::time_point open_until_;
  std::chrono::milliseconds current_open_for_;
  bool probe_in_flight_ = false;
  int failures_in_a_row_ = 0;
};

}  // namespace warden::resilience
