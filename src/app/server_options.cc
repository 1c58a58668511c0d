#include "app/server_options.h"

#include <spdlog/spdlog.h>

#include <google/protobuf/stubs/logging.h>

#include "server/reset_budget_observer.h"

namespace warden::app {
namespace {

// Protobuf logs every malformed string it parses at ERROR; a hostile client could flood the log
// that way. Those requests already get INVALID_ARGUMENT, so keep protobuf's messages at debug.
void ProtobufLogToDebug(google::protobuf::LogLevel level, const char* filename, int line,
                        const std::string& message) {
  if (level >= google::protobuf::LOGLEVEL_FATAL) {
    spdlog::critical("protobuf {}:{}: {}", filename, line, message);
    return;
  }
  spdlog::debug("protobuf {}:{}: {}", filename, line, message);
}

}  // namespace

void KeepProtobufLogsAtDebug() { google::protobuf::SetLogHandler(&ProtobufLogToDebug); }

server::TlsOptions TlsOf(const config::ServerConfig& config) {
  return server::TlsOptions{
      .cert_file = config.tls.cert_file,
      .key_file = config.tls.key_file,
      .client_ca_file = config.tls.client_ca_file,
      .require_client_cert = config.tls.client_auth == config::ClientAuth::kRequire,
      .reload = config.tls.reload};
}

server::TransportLimits LimitsOf(const config::ServerConfig& config) {
  return server::TransportLimits{.max_message_bytes = config.limits.max_message_bytes,
                                 .max_metadata_bytes = config.limits.max_metadata_bytes,
                                 .max_concurrent_streams = config.limits.max_concurrent_streams,
                                 .keepalive_min_ping = config.limits.keepalive_min_ping,
                                 .max_connection_age = config.limits.max_connection_age,
                                 .max_connection_age_grace = config.limits.max_connection_age_grace,
                                 .max_connection_idle = config.limits.max_connection_idle,
                                 .handshake_timeout = config.limits.handshake_timeout,
                                 .memory_quota_mb = config.limits.memory_quota_mb};
}

std::vector<std::unique_ptr<observability::CallObserverFactory>> ObserversOf(
    const ObserverParts& parts) {
  std::vector<std::unique_ptr<observability::CallObserverFactory>> observers;
  if (parts.reset_budget) {
    observers.push_back(
        std::make_unique<server::ResetBudgetObserverFactory>(*parts.connections, *parts.clock));
  }
  if (parts.metrics != nullptr) {
    observers.push_back(std::make_unique<observability::MetricsObserverFactory>(*parts.metrics));
  }
  if (parts.observed) {
    observers.push_back(
        std::make_unique<observability::AccessLogObserverFactory>(parts.access_log, *parts.clock));
  }
  return observers;
}

server::GrpcListener::Interceptors InterceptorsOf(const observability::CallObservers& observers) {
  server::GrpcListener::Interceptors interceptors;
  if (!observers.empty()) {
    interceptors.push_back(std::make_unique<observability::ObservingInterceptorFactory>(observers));
  }
  return interceptors;
}

observability::AccessLogObserverFactory::Mode AccessLogMode(config::AccessLog mode) {
  using Mode = observability::AccessLogObserverFactory::Mode;
  switch (mode) {
    case config::AccessLog::kErrors:
      return Mode::kErrors;
    case config::AccessLog::kOff:
      return Mode::kOff;
    case config::AccessLog::kAll:
      return Mode::kAll;
  }
  return Mode::kErrors;
}

}  // namespace warden::app
