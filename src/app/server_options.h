#pragma once

#include <string>

#include "common/clock.h"
#include "common/connection_table.h"
#include "config/server_config.h"
#include "observability/access_log.h"
#include "observability/grpc_metrics.h"
#include "server/grpc_listener.h"
#include "server/grpc_transport.h"

// The mapping from the configuration to each component's own options, in one place.
namespace warden::app {

server::TlsOptions TlsOf(const config::ServerConfig& config);
server::TransportLimits LimitsOf(const config::ServerConfig& config);
observability::AccessLogObserverFactory::Mode AccessLogMode(config::AccessLog mode);

// What the call observers are made of (observability/call_observer.h).
struct ObserverParts {
  ConnectionTable* connections;
  const Clock* clock;
  bool reset_budget;
  observability::GrpcServerMetrics* metrics;  // nullptr: metrics off
  bool observed;                              // access log or spans on
  observability::AccessLogObserverFactory::Options access_log;
};
// The factories, in the order they observe: reset budget, metrics, access log and spans.
std::vector<std::unique_ptr<observability::CallObserverFactory>> ObserversOf(
    const ObserverParts& parts);
// At most one interceptor: it observes the calls of the methods no handler bound in `observers`.
server::GrpcListener::Interceptors InterceptorsOf(const observability::CallObservers& observers);

// Routes protobuf's own log lines to debug (see the definition for why).
void KeepProtobufLogsAtDebug();

}  // namespace warden::app
