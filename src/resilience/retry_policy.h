#pragma once

#include <chrono>
#include <mutex>

namespace warden::resilience {

// Exponential backoff with jitter, as gRPC's retry policy (gRFC A6) defines it.
struct BackoffOptions {
  int max_attempts = 3;  // the first call included
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{1'000};
  double multiplier = 2.0;
};

// The pause before retry number `retry` (1 for the first retry): a uniform draw from
// [0, min(initial * multiplier^(retry-1), max)]. `unit` is a number in [0, 1) the caller
// draws, so tests choose it.
std::chrono::milliseconds BackoffDelay(const BackoffOptions& options, int retry, double unit);

// gRFC A6 retry throttling: a token count that failures drain and successes refill; retries are
// allowed only while more than half the tokens are left, so a client never multiplies the load
// on a failing service. Thread-safe.
class RetryThrottle {
 public:
  explicit RetryThrottle(double max_tokens = 10, double token_ratio = 0.1);
  bool RetryAllowed() const;
  void RecordFailure();
  void RecordSuccess();
  double tokens() const;

 private:
  const double max_tokens_;
  const double token_ratio_;
  mutable std::mutex mutex_;
  double tokens_;
};

}  // namespace warden::resilience
