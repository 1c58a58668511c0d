#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/flags.h"
#include "core/auth_service.h"
#include "core/login_throttle.h"
#include "core/policy.h"

// wardend's configuration: one option group per component, modes as enums. Every setting is
// declared once in server_config.cc (flag, environment variable, JSON field, default, help,
// validation); LoadServerConfig is the only way to build one (see ADR 0021).
namespace warden::config {

enum class LogFormat { kJson, kText };
enum class AccessLog { kErrors, kAll, kOff };
enum class ClientAuth { kRequire, kOptional };
enum class StoreKind { kSqlite, kPostgres };
// CPU priority of password hashing: adaptive (normal, but Linux SCHED_IDLE while a backlog
// waits: a Login flood cannot take the CPU from ValidateToken, a busy host cannot starve
// logins), idle (always SCHED_IDLE), low (nice 10) or normal.
enum class HashPriority { kAdaptive, kIdle, kLow, kNormal };
enum class JwtAlgorithm { kEs256, kEdDsa, kHs256 };
// Where signing keys come from: a shared secret (HS256), one key file, or the managed ring (keys
// in the store, sealed with the master key, rotated every rotation_period).
enum class SigningMode { kHs256, kStaticKey, kManaged };

// "ES256", "EdDSA", "HS256": the JOSE names the key ring and JWKS use.
const char* JwtAlgorithmName(JwtAlgorithm algorithm);

struct ObservabilityOptions {
  std::string log_level = "info";  // trace, debug, info, warn, error, critical or off
  LogFormat log_format = LogFormat::kJson;
  AccessLog access_log = AccessLog::kErrors;
  uint32_t access_log_sample_percent = 100;
  std::string otlp_endpoint;  // empty: no span export
  bool metrics = true;        // gRPC + domain metrics, served at /metrics

  bool operator==(const ObservabilityOptions&) const = default;
};

struct TransportOptions {
  std::string listen = "127.0.0.1:50051";
  std::string health_listen;  // plaintext health-only listener; empty: none
  std::string http_listen;    // JWKS, discovery, probes, metrics; empty: none
  std::string public_url;     // empty: http://<host:port actually bound>
  bool reflection = true;
  std::chrono::seconds drain{10};
  // On SIGTERM: health turns NOT_SERVING at once, calls keep being served this long (so load
  // balancers and Kubernetes endpoints notice), then the drain above starts.
  std::chrono::seconds drain_delay{0};

  bool operator==(const TransportOptions&) const = default;
};

// TLS on the gRPC port; files are watched and reloaded.
struct TlsOptions {
  std::string cert_file;  // empty: plaintext
  std::string key_file;
  std::string client_ca_file;                     // empty: no client certificates asked for
  ClientAuth client_auth = ClientAuth::kRequire;  // when a client CA is set
  std::chrono::seconds reload{10};

  bool enabled() const { return !cert_file.empty(); }

  bool operator==(const TlsOptions&) const = default;
};

struct LimitOptions {
  uint32_t max_message_bytes = 64 * 1024;
  uint32_t max_metadata_bytes = 16 * 1024;
  uint32_t max_concurrent_streams = 100;
  std::chrono::seconds keepalive_min_ping{60};
  std::chrono::seconds max_connection_age{30 * 60};
  std::chrono::seconds max_connection_age_grace{30};
  std::chrono::seconds max_connection_idle{10 * 60};
  // Plaintext listeners accept their own connections (server/connection_gate.h).
  uint32_t max_connections = 0;               // 0: RLIMIT_NOFILE / 2, at most 4096
  uint32_t max_connections_per_address = 64;  // 0: no cap
  std::chrono::milliseconds handshake_timeout{5000};
  uint32_t memory_quota_mb = 256;
  uint32_t max_resets_per_second = 200;  // per connection; 0: no budget

  bool operator==(const LimitOptions&) const = default;
};

struct StorageOptions {
  StoreKind kind = StoreKind::kSqlite;
  std::string sqlite_path;   // <data_dir>/warden.db unless set
  std::string postgres_url;  // with kPostgres
  // A PostgreSQL read replica for the reads named lag-tolerant (admin listings); empty: none.
  std::string postgres_read_url;
  uint32_t postgres_pool_size = 10;
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

  bool operator==(const StorageOptions&) const = default;
};

struct WorkerOptions {
  uint32_t hash_threads = 1;  // one per core unless set
  uint32_t hash_queue = 64;
  HashPriority hash_priority = HashPriority::kAdaptive;
  uint32_t io_threads = 4;
  uint32_t io_queue = 1024;

  bool operator==(const WorkerOptions&) const = default;
};

struct TokenOptions {
  core::AuthService::Options auth;
  JwtAlgorithm algorithm = JwtAlgorithm::kEs256;
  SigningMode signing = SigningMode::kManaged;
  std::string signing_key_file;
  std::string hs256_secret;  // never log it
  // Master key, base64 (managed ring). Empty with --dev: one is kept under data_dir. Never log.
  std::string master_key;
  std::chrono::seconds rotation_period{24 * 3600};
  std::chrono::seconds jwks_max_age{300};
};

// Admission: the per-method policy (built-in default with the policy file over it), the proxies
// whose x-forwarded-for is believed (CIDR text, checked at startup) and brute-force protection.
struct AdmissionOptions {
  core::Policy policy = core::Policy::Default();
  std::string policy_file;
  std::vector<std::string> trusted_proxies;
  core::InMemoryLoginThrottle::Options login_protection;
};

// Everything wardend needs, typed and validated. Built only by LoadServerConfig.
struct ServerConfig {
  std::string data_dir = "./data";
  bool dev = false;
  TransportOptions transport;
  TlsOptions tls;
  LimitOptions limits;
  StorageOptions storage;
  WorkerOptions workers;
  ObservabilityOptions observability;
  TokenOptions tokens;
  AdmissionOptions admission;
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

// The server flags (for subcommands that take their own flags before the server's).
const flags::FlagSet& ServerFlags();

// Returns the flag reference (for --help).
std::string ServerUsage();

// The same settings as a Markdown table (flag, environment variable, JSON field, default and
// meaning), the generated part of docs/configuration.md; a test fails when the two differ.
std::string ConfigurationReferenceMarkdown();

}  // namespace warden::config
