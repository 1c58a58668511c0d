#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/auth_client.h"
#include "client/balancing_invoker.h"
#include "client/channel.h"
#include "client/retrying_invoker.h"
#include "client/token_source.h"
#include "client/tracing_invoker.h"
#include "common/clock.h"

namespace warden::client {

// Everything a client of Warden chooses; the defaults are the production ones.
struct ClientOptions {
  // dns:///name:port, dns://dns-server:port/name:port, ipv4:a:p,b:p, ipv6:[a]:p, host:port.
  std::string target = "127.0.0.1:50051";
  ChannelOptions channel;
  // dns: and ipv4:/ipv6: targets get one lane (channel + circuit breaker) per address, balanced
  // round robin by the stack. False hands the whole target to one gRPC channel (gRPC's
  // resolver and round_robin, no breakers). host:port is always one channel.
  bool balance = true;
  BalancingInvoker::Options balancing;
  bool retry = true;
  RetryingInvoker::Options retry_options;
  // Client metrics (grpc_client_*) into this registry; none when null.
  std::shared_ptr<prometheus::Registry> metrics;
  // Called after every call (the logging hook); may be empty.
  std::function<void(const CallRecord&)> observer;
  // Attaches this credential to every call that has none; none when null.
  std::shared_ptr<TokenSource> credentials;
  const Clock* clock = nullptr;  // the system clock when null
};

// The composed stack, outermost first: tracing -> metrics -> credentials -> retry -> balancer
// -> (per endpoint) circuit breaker -> gRPC.
struct ClientStack {
  std::shared_ptr<UnaryInvoker> invoker;
  std::shared_ptr<BalancingInvoker> balancer;  // null when the target is one channel
  std::shared_ptr<AuthClient> auth;            // the seed's service over `invoker`
};

absl::StatusOr<ClientStack> MakeClientStack(const ClientOptions& options);

}  // namespace warden::client
