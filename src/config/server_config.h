#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/auth_service.h"
#include "core/login_throttle.h"
#include "core/policy.h"

namespace warden::config {

// Everything wardend needs, typed and validated. Built only by LoadServerConfig.
struct ServerConfig {
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "./data";
  bool dev = false;
  std::string log_level = "info";
  std::string log_format = "json";    // json or text
  std::string access_log = "errors";  // all, errors or off
  uint32_t access_log_sample_percent = 100;
  std::string otlp_endpoint;  // empty: no span export
  std::chrono::seconds drain = std::chrono::seconds(10);
  // On SIGTERM: health turns NOT_SERVING at once, calls keep being served this long (so load
  // balancers and Kubernetes endpoints notice), then the drain above starts.
  std::chrono::seconds drain_delay = std::chrono::seconds(0);
  std::string sqlite_path;  // defaults to <data_dir>/warden.db
  // PostgreSQL connection URL; empty: SQLite (the embedded default).
  std::string postgres_url;
  size_t postgres_pool_size = 10;
  std::chrono::milliseconds postgres_acquire_timeout{2000};
  std::chrono::milliseconds postgres_statement_timeout{5000};  // 0: the server's setting
  bool migrate_on_start = false;
  // How often revocations made by other replicas are pulled from the shared store; 0: never.
  std::chrono::milliseconds revocation_sync{1000};
  // Redis for revocation fan-out between replicas (redis://HOST:PORT or unix:///path); empty: off.
  std::string redis_url;
  // With Redis: rate limits and brute-force counters shared by every replica (else per replica).
  bool redis_shared_limits = true;
  // How long a limit check waits for Redis before it falls back to this replica's counters.
  std::chrono::milliseconds redis_timeout{50};
  // A PostgreSQL read replica for the reads named lag-tolerant (admin listings); empty: none.
  std::string postgres_read_url;
  core::AuthService::Options auth;
  std::string jwt_algorithm = "ES256";
  // Where signing keys come from: a shared secret (HS256), one key file, or the managed ring
  // (keys in the store, sealed with the master key, rotated every rotation_period).
  enum class SigningMode { kHs256, kStaticKey, kManaged };
  SigningMode signing_mode = SigningMode::kManaged;
  std::string signing_key_file;
  // HS256 shared secret. Never log it.
  std::string hs256_secret;
  // Master key, base64 (managed ring). Empty with --dev: one is kept under data_dir. Never log.
  std::string master_key;
  std::chrono::seconds rotation_period = std::chrono::hours(24);
  std::chrono::seconds jwks_max_age = std::chrono::minutes(5);
  std::string http_listen;  // empty: no HTTP listener
  bool metrics = true;      // gRPC + domain metrics, served at /metrics
  std::string public_url;   // empty: http://<host:port actually bound>
  size_t hash_threads = 0;  // 0: one per core
  size_t hash_queue = 64;
  // CPU priority of password hashing: adaptive (normal, but Linux SCHED_IDLE while a backlog
  // waits: a Login flood cannot take the CPU from ValidateToken, a busy host cannot starve
  // logins), idle (always SCHED_IDLE), low (nice 10) or normal.
  std::string hash_priority = "adaptive";
  size_t io_threads = 4;
  size_t io_queue = 1024;
  // Admission: the per-method policy (built-in default with the policy file over it) and the
  // proxies whose x-forwarded-for is believed (CIDR text, checked at startup).
  core::Policy policy = core::Policy::Default();
  std::string policy_file;
  std::vector<std::string> trusted_proxies;
  bool reflection = true;
  // TLS on the gRPC port (empty cert: plaintext). Files are watched and reloaded.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  bool tls_require_client_cert = true;  // when a client CA is set
  std::chrono::seconds tls_reload = std::chrono::seconds(10);
  std::string health_listen;  // plaintext health-only listener; empty: none
  // Transport limits.
  uint32_t max_message_bytes = 64 * 1024;
  uint32_t max_metadata_bytes = 16 * 1024;
  uint32_t max_concurrent_streams = 100;
  std::chrono::seconds keepalive_min_ping = std::chrono::seconds(60);
  std::chrono::seconds max_connection_age = std::chrono::minutes(30);
  std::chrono::seconds max_connection_age_grace = std::chrono::seconds(30);
  std::chrono::seconds max_connection_idle = std::chrono::minutes(10);
  // Plaintext listeners accept their own connections (server/connection_gate.h).
  uint32_t max_connections = 0;               // 0: RLIMIT_NOFILE / 2, at most 4096
  uint32_t max_connections_per_address = 64;  // 0: no cap
  std::chrono::milliseconds handshake_timeout = std::chrono::milliseconds(5000);
  uint32_t memory_quota_mb = 256;
  uint32_t max_resets_per_second = 200;  // per connection; 0: no budget
  // Brute-force protection.
  core::InMemoryLoginThrottle::Options login_protection;
};

// Where configuration comes from: defaults < file < environment < command-line flags.
struct ConfigSources {
  std::map<std::string, std::string> environment;
  std::vector<std::string> args;  // command-line arguments after the program name
  // False for commands that never sign (`wardend migrate`): a missing key is then no problem.
  bool needs_signing_key = true;
};

// Returns the configuration, or kInvalidArgument listing every problem at once, one per line.
// Returns kCancelled with the usage text when the arguments ask for --help.
absl::StatusOr<ServerConfig> LoadServerConfig(const ConfigSources& sources);

// Returns the flag reference (for --help).
std::string ServerUsage();

// The same settings as a Markdown table (flag, environment variable, meaning and default), the
// generated part of docs/configuration.md; a test fails when the two differ.
std::string ConfigurationReferenceMarkdown();

}  // namespace warden::config
