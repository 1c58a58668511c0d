#pragma once

#include <memory>

#include "client/unary_invoker.h"
#include "resilience/circuit_breaker.h"

namespace warden::client {

// One endpoint's circuit breaker in front of that endpoint's invoker. While the breaker is open
// the call is not sent: UNAVAILABLE with CallContext::not_sent set, so the balancer moves on to
// another endpoint at once. Transport and server faults count as failures (UNAVAILABLE,
// DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, DATA_LOSS); answers such as UNAUTHENTICATED or
// NOT_FOUND show a healthy endpoint and count as successes.
class BreakerInvoker final : public UnaryInvoker {
 public:
  BreakerInvoker(std::string endpoint, std::shared_ptr<UnaryInvoker> next,
                 resilience::BreakerOptions options, const Clock& clock);

  absl::Status Invoke(CallContext& context, const Method& method,
                      const google::protobuf::Message& request,
                      google::protobuf::Message& response) override;

  // The endpoint's channel cannot take a call now (see UnaryInvoker::Unreachable).
  bool Unreachable() const override { return next_->Unreachable(); }
  resilience::BreakerState state() const { return breaker_.state(); }

  static bool IsEndpointFault(absl::StatusCode code);

 private:
  const std::string endpoint_;
  std::shared_ptr<UnaryInvoker> next_;
  resilience::CircuitBreaker breaker_;
};

}  // namespace warden::client
