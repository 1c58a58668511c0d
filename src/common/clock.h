#pragma once

#include <chrono>

namespace warden {

// Source of the current time. Inject it; only SystemClock may read the real clocks.
// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time: token claims, logs.
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
  // Monotonic time: intervals, rate limits, latency.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
};

// Reads the real clocks. Stateless and thread-safe.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

// The process's one SystemClock, for defaults (a temporary SystemClock() passed where a
// reference is kept would dangle).
inline const Clock& DefaultClock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace warden
