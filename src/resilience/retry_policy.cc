#include "resilience/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace warden::resilience {

std::chrono::milliseconds BackoffDelay(const BackoffOptions& options, int retry, double unit) {
  const double ceiling = std::min(static_cast<double>(options.initial_backoff.count()) *
                                      std::pow(options.multiplier, std::max(0, retry - 1)),
                                  static_cast<double>(options.max_backoff.count()));
  return std::chrono::milliseconds(static_cast<int64_t>(ceiling * std::clamp(unit, 0.0, 1.0)));
}

RetryThrottle::RetryThrottle(double max_tokens, double token_ratio)
    : max_tokens_(max_tokens), token_ratio_(token_ratio), tokens_(max_tokens) {}

bool RetryThrottle::RetryAllowed() const {
  std::lock_guard lock(mutex_);
  return tokens_ > max_tokens_ / 2;
}

void RetryThrottle::RecordFailure() {
  std::lock_guard lock(mutex_);
  tokens_ = std::max(0.0, tokens_ - 1);
}

void RetryThrottle::RecordSuccess() {
  std::lock_guard lock(mutex_);
  tokens_ = std::min(max_tokens_, tokens_ + token_ratio_);
}

double RetryThrottle::tokens() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

}  // namespace warden::resilience
