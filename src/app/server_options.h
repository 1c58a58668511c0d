#pragma once

#include <string>

#include "config/server_config.h"
#include "observability/access_log.h"
#include "server/grpc_transport.h"

// The mapping from the configuration to each component's own options, in one place.
namespace warden::app {

server::TlsOptions TlsOf(const config::ServerConfig& config);
server::TransportLimits LimitsOf(const config::ServerConfig& config);
observability::AccessLogInterceptorFactory::Mode AccessLogMode(config::AccessLog mode);

// Routes protobuf's own log lines to debug (see the definition for why).
void KeepProtobufLogsAtDebug();

}  // namespace warden::app
