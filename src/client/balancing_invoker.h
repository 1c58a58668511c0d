#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/breaker_invoker.h"
#include "client/endpoint_resolver.h"
#include "client/unary_invoker.h"
#include "common/clock.h"

namespace warden::client {

// Round robin over the endpoints a resolver returns, one lane (channel + circuit breaker) per
// endpoint. A lane whose breaker is open is skipped without a network round trip, so a replica
// that stopped answering (hung, partitioned, its host gone) stops taking calls after a few
// failures instead of after its connection times out; the breaker's probe brings it back.
//
// Endpoints are re-resolved every `resolve_interval` on a thread of this object, and sooner
// (at most every `min_resolve_interval`) after a call fails UNAVAILABLE, so a replica added to
// DNS starts taking calls without restarting the client. Lanes of endpoints that are still
// listed are kept with their connections and breakers. Thread-safe.
class BalancingInvoker final : public UnaryInvoker {
 public:
  struct Options {
    std::chrono::milliseconds resolve_interval{30'000};  // zero: resolve once, at start
    std::chrono::milliseconds min_resolve_interval{1'000};
    resilience::BreakerOptions breaker;
  };
  // Makes the invoker for one endpoint (a gRPC channel to that one address).
  using LaneFactory = std::function<std::shared_ptr<UnaryInvoker>(const std::string& endpoint)>;

  struct EndpointStatus {
    std::string endpoint;
    resilience::BreakerState state;
    uint64_t calls;  // calls sent to it (not the ones its open breaker turned away)
  };

  BalancingInvoker(std::string target, std::unique_ptr<EndpointResolver> resolver,
                   LaneFactory lanes, Options options, const Clock& clock);
  ~BalancingInvoker() override;

  absl::Status Invoke(CallContext& context, const Method& method,
                      const google::protobuf::Message& request,
                      google::protobuf::Message& response) override;

  // Resolves now and updates the lanes; returns the resolver's error, if any (the old lanes
  // are kept then).
  absl::Status Refresh();
  std::vector<EndpointStatus> Endpoints() const;

 private:
  struct Lane {
    std::string endpoint;
    std::shared_ptr<BreakerInvoker> invoker;
    std::atomic<uint64_t> calls{0};
  };
  using Lanes = std::vector<std::shared_ptr<Lane>>;

  std::shared_ptr<const Lanes> Snapshot() const;
  void RequestRefresh();
  void ResolveLoop();

  const std::string target_;
  std::unique_ptr<EndpointResolver> resolver_;
  const LaneFactory make_lane_;
  const Options options_;
  const Clock& clock_;
  std::atomic<uint64_t> next_{0};

  mutable std::mutex mutex_;
  std::shared_ptr<const Lanes> lanes_;
  absl::Status last_error_;
  std::mutex refresh_mutex_;  // one resolution at a time
  std::condition_variable wake_;
  bool refresh_requested_ = false;
  bool stopping_ = false;
  std::thread resolver_thread_;
};

}  // namespace warden::client
