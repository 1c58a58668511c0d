#pragma once

#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// How every gRPC listener of Warden is built: its TLS credentials and the transport limits that
// bound what one peer can make the server hold (ADR 0016).
namespace warden::server {

struct TlsOptions {
  std::string cert_file;  // empty: plaintext
  std::string key_file;
  std::string client_ca_file;       // set: client certificates are asked for and verified
  bool require_client_cert = true;  // with a client CA
  std::chrono::seconds reload{10};  // certificate files are watched and reloaded this often
  bool enabled() const { return !cert_file.empty(); }
};

struct TransportLimits {
  uint32_t max_message_bytes = 64 * 1024;
  uint32_t max_metadata_bytes = 16 * 1024;
  uint32_t max_concurrent_streams = 100;
  std::chrono::seconds keepalive_min_ping{60};
  std::chrono::seconds max_connection_age{1800};
  std::chrono::seconds max_connection_age_grace{30};
  std::chrono::seconds max_connection_idle{600};
  std::chrono::milliseconds handshake_timeout{5000};  // TLS handshakes gRPC runs itself
  uint32_t memory_quota_mb = 256;
};

// TLS 1.2+ (gRPC's minimum) from certificate files that are watched and reloaded; insecure
// credentials when TLS is off.
std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const TlsOptions& tls);

// Message and header sizes, streams per connection, keepalive enforcement, connection age and
// idle limits, the handshake timeout and a resource quota on `builder`.
void ApplyLimits(const TransportLimits& limits, grpc::ServerBuilder& builder);

// Linking grpc++_reflection registers its plugin for every ServerBuilder in the process. This
// option takes it out of one builder (the health-only listener, or --reflection=false).
class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override;
};

}  // namespace warden::server
