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

// The parts the main listener's interceptors are made of: each listener build makes its own
// factories from them (`gated`: the listener accepts through a gate, so the reset budget applies).
struct InterceptorParts {
  ConnectionTable* connections;
  const Clock* clock;
  bool reset_budget;
  observability::GrpcServerMetrics* metrics;  // nullptr: metrics off
  bool observed;                              // access log or spans on
  observability::AccessLogObserverFactory::Options access_log;
};
std::vector<std::unique_ptr<observability::CallObserverFactory>> ObserversOf(
    const InterceptorParts& parts, bool gated);
// At most one interceptor, running those observers (observability/call_observer.h).
server::GrpcListener::Interceptors InterceptorsOf(const InterceptorParts& parts, bool gated);

// Routes protobuf's own log lines to debug (see the definition for why).
void KeepProtobufLogsAtDebug();

}  // namespace warden::app
