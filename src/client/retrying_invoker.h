#pragma once

#include <functional>
#include <memory>

#include "client/unary_invoker.h"
#include "common/clock.h"
#include "resilience/retry_policy.h"

namespace warden::client {

// Retries a failed call when that is safe and useful:
// - UNAVAILABLE, for idempotent methods (the server may have run the call);
// - any failure with CallContext::not_sent (no endpoint took it), for every method;
// - RESOURCE_EXHAUSTED with a server pushback, for every method: Warden refuses those before
//   running the call (rate limits, busy, login throttle).
// A pushback sets the pause exactly (gRFC A6); a negative one, or one that would end past the
// deadline, stops retrying. Otherwise the pause is BackoffDelay's. Retries are throttled per
// stack (gRFC A6), so a failing service sees at most a few percent more calls, not 3x.
class RetryingInvoker final : public UnaryInvoker {
 public:
  struct Options {
    resilience::BackoffOptions backoff;
    // gRFC A6 throttling: a burst of 50 failed attempts stops retries until successes (0.1
    // token each) refill the bucket past half; gRPC's own default of 10 would stop them during
    // the few calls a replica that just died takes before its breaker opens.
    double throttle_max_tokens = 100;
    double throttle_token_ratio = 0.1;
  };
  // `sleep` and `random` (a draw in [0, 1)) are injected so tests run on the fake clock.
  RetryingInvoker(std::shared_ptr<UnaryInvoker> next, Options options, const Clock& clock,
                  std::function<void(std::chrono::milliseconds)> sleep,
                  std::function<double()> random);

  absl::Status Invoke(CallContext& context, const Method& method,
                      const google::protobuf::Message& request,
                      google::protobuf::Message& response) override;

 private:
  bool Retryable(const absl::Status& status, const CallContext& context,
                 const Method& method) const;

  std::shared_ptr<UnaryInvoker> next_;
  const Options options_;
  const Clock& clock_;
  std::function<void(std::chrono::milliseconds)> sleep_;
  std::function<double()> random_;
  resilience::RetryThrottle throttle_;
};

}  // namespace warden::client
