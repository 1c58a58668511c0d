#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.h"

namespace warden {

// A Clock that moves only when told. Advance() moves both readings. Thread-safe.
class FakeClock final : public Clock {
 public:
  FakeClock()
      : wall_(std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000))),
        steady_(std::chrono::steady_clock::time_point(std::chrono::hours(1))) {}

  std::chrono::system_clock::time_point WallNow() const override { return wall_.load(); }
  std::chrono::steady_clock::time_point SteadyNow() const override { return steady_.load(); }

  void Advance(std::chrono::nanoseconds by) {
    wall_.store(wall_.load() + std::chrono::duration_cast<std::chrono::system_clock::duration>(by));
    steady_.store(steady_.load() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(by));
  }

 private:
  std::atomic<std::chrono::system_clock::time_point> wall_;
  std::atomic<std::chrono::steady_clock::time_point> steady_;
};

}  // namespace warden
