#include "app/server_options.h"

#include <spdlog/spdlog.h>

#include <google/protobuf/stubs/logging.h>

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
  return server::TlsOptions{.cert_file = config.tls_cert_file,
                            .key_file = config.tls_key_file,
                            .client_ca_file = config.tls_client_ca_file,
                            .require_client_cert = config.tls_require_client_cert,
                            .reload = config.tls_reload};
}

server::TransportLimits LimitsOf(const config::ServerConfig& config) {
  return server::TransportLimits{.max_message_bytes = config.max_message_bytes,
                                 .max_metadata_bytes = config.max_metadata_bytes,
                                 .max_concurrent_streams = config.max_concurrent_streams,
                                 .keepalive_min_ping = config.keepalive_min_ping,
                                 .max_connection_age = config.max_connection_age,
                                 .max_connection_age_grace = config.max_connection_age_grace,
                                 .max_connection_idle = config.max_connection_idle,
                                 .handshake_timeout = config.handshake_timeout,
                                 .memory_quota_mb = config.memory_quota_mb};
}

observability::AccessLogInterceptorFactory::Mode AccessLogMode(const std::string& mode) {
  using Mode = observability::AccessLogInterceptorFactory::Mode;
  return mode == "errors" ? Mode::kErrors : mode == "off" ? Mode::kOff : Mode::kAll;
}

}  // namespace warden::app
