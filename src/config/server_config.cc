#include "config/server_config.h"

#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "warden/config/v1/server_config.pb.h"

namespace warden::config {
namespace {

using Proto = ::warden::config::v1::ServerConfig;
using Setter = std::function<std::optional<std::string>(Proto&, const std::string&)>;

// One setting settable by flag and environment; the JSON file uses the proto's field names.
struct Setting {
  const char* flag;
  const char* env;
  const char* help;
  bool is_bool;
  Setter set;
};

std::optional<std::string> ParseUint(const std::string& value, uint32_t& out) {
  if (!absl::SimpleAtoi(value, &out)) {
    return "must be a non-negative integer";
  }
  return std::nullopt;
}

std::optional<std::string> ParseBool(const std::string& value, bool& out) {
  if (value == "true" || value == "1" || value == "yes" || value.empty()) {
    out = true;
  } else if (value == "false" || value == "0" || value == "no") {
    out = false;
  } else {
    return "must be true or false";
  }
  return std::nullopt;
}

#define WARDEN_STRING(path)                                          \
  [](Proto& p, const std::string& v) -> std::optional<std::string> { \
    p.path(v);                                                       \
    return std::nullopt;                                             \
  }
#define WARDEN_BOOL(path)                                            \
  [](Proto& p, const std::string& v) -> std::optional<std::string> { \
    bool b = false;                                                  \
    if (auto e = ParseBool(v, b)) {                                  \
      return e;                                                      \
    }                                                                \
    p.path(b);                                                       \
    return std::nullopt;                                             \
  }
#define WARDEN_UINT(path)                                            \
  [](Proto& p, const std::string& v) -> std::optional<std::string> { \
    uint32_t n = 0;                                                  \
    if (auto e = ParseUint(v, n)) {                                  \
      return e;                                                      \
    }                                                                \
    p.path(n);                                                       \
    return std::nullopt;                                             \
  }

const std::vector<Setting>& Settings() {
  static const auto* settings = new std::vector<Setting>{
      {"listen", "WARDEN_LISTEN", "gRPC address HOST:PORT (default 127.0.0.1:50051)", false,
       WARDEN_STRING(set_listen)},
      {"data-dir", "WARDEN_DATA_DIR", "directory for the SQLite database and dev keys (./data)",
       false, WARDEN_STRING(set_data_dir)},
      {"dev", "WARDEN_DEV", "development mode: generate missing keys under --data-dir", true,
       WARDEN_BOOL(set_dev)},
      {"log-level", "WARDEN_LOG_LEVEL", "trace, debug, info, warn, error or off (info)", false,
       WARDEN_STRING(set_log_level)},
      {"log-format", "WARDEN_LOG_FORMAT", "json (one object per line, default) or text", false,
       WARDEN_STRING(set_log_format)},
      {"access-log", "WARDEN_ACCESS_LOG",
       "one JSON line per RPC: errors (default: failed calls), all, or off", false,
       WARDEN_STRING(set_access_log)},
      {"access-log-sample-percent", "WARDEN_ACCESS_LOG_SAMPLE_PERCENT",
       "percentage of the selected RPCs logged (100)", false,
       WARDEN_UINT(set_access_log_sample_percent)},
      {"otlp-endpoint", "WARDEN_OTLP_ENDPOINT",
       "export spans over OTLP/HTTP to this URL (also OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or "
       "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces)",
       false, WARDEN_STRING(set_otlp_endpoint)},
      {"drain-seconds", "WARDEN_DRAIN_SECONDS", "graceful shutdown budget in seconds (10)", false,
       WARDEN_UINT(set_drain_seconds)},
      {"drain-delay-seconds", "WARDEN_DRAIN_DELAY_SECONDS",
       "on SIGTERM, report NOT_SERVING but keep serving this long before draining (0; 5-10 "
       "behind a load balancer or in Kubernetes)",
       false, WARDEN_UINT(set_drain_delay_seconds)},
      {"issuer", "WARDEN_ISSUER", "token issuer, claim iss (warden)", false,
       WARDEN_STRING(mutable_token()->set_issuer)},
      {"audience", "WARDEN_AUDIENCE", "token audience, claim aud (warden)", false,
       WARDEN_STRING(mutable_token()->set_audience)},
      {"access-ttl-seconds", "WARDEN_ACCESS_TTL_SECONDS", "access token lifetime (900)", false,
       WARDEN_UINT(mutable_token()->set_access_ttl_seconds)},
      {"refresh-ttl-seconds", "WARDEN_REFRESH_TTL_SECONDS", "session lifetime (604800)", false,
       WARDEN_UINT(mutable_token()->set_refresh_ttl_seconds)},
      {"refresh-reuse-grace-seconds", "WARDEN_REFRESH_REUSE_GRACE_SECONDS",
       "window in which presenting the refresh token just rotated again gets the same successor "
       "(a retry) instead of revoking its session (10)",
       false, WARDEN_UINT(mutable_token()->set_refresh_reuse_grace_seconds)},
      {"refresh-rotation", "WARDEN_REFRESH_ROTATION",
       "which sessions rotate their refresh token: requested (default: those whose Login asks "
       "with refresh_token_mode ROTATING; others, such as the seed's clients, keep one token) or "
       "always (a Login asking for STABLE is refused)",
       false, WARDEN_STRING(mutable_token()->set_refresh_rotation)},
      {"leeway-seconds", "WARDEN_LEEWAY_SECONDS", "clock skew allowed on exp/nbf/iat (30)", false,
       WARDEN_UINT(mutable_token()->set_leeway_seconds)},
      {"jwt-algorithm", "WARDEN_JWT_ALGORITHM", "ES256 (default), EdDSA or HS256", false,
       WARDEN_STRING(mutable_token()->set_algorithm)},
      {"signing-key-file", "WARDEN_SIGNING_KEY_FILE", "PEM private key (EC P-256 or Ed25519)",
       false, WARDEN_STRING(mutable_token()->set_signing_key_file)},
      {"hs256-secret-file", "WARDEN_HS256_SECRET_FILE",
       "file holding the HS256 secret (also JWT_SECRET_KEY_FILE)", false,
       WARDEN_STRING(mutable_token()->set_hs256_secret_file)},
      {"master-key-file", "WARDEN_MASTER_KEY_FILE",
       "file with the base64 master key sealing the managed key ring (also WARDEN_MASTER_KEY)",
       false, WARDEN_STRING(mutable_token()->set_master_key_file)},
      {"rotation-period-seconds", "WARDEN_ROTATION_PERIOD_SECONDS",
       "managed key ring: how long each key signs (86400)", false,
       WARDEN_UINT(mutable_token()->set_rotation_period_seconds)},
      {"jwks-max-age-seconds", "WARDEN_JWKS_MAX_AGE_SECONDS",
       "Cache-Control max-age of the JWKS (300); new keys are published twice this long "
       "before they sign",
       false, WARDEN_UINT(mutable_token()->set_jwks_max_age_seconds)},
      {"http-listen", "WARDEN_HTTP_LISTEN",
       "HTTP address for JWKS, discovery and probes (127.0.0.1:8080 with --dev, else off)", false,
       WARDEN_STRING(set_http_listen)},
      {"public-url", "WARDEN_PUBLIC_URL",
       "base URL of the HTTP listener as others reach it (http://<http-listen>)", false,
       WARDEN_STRING(set_public_url)},
      {"metrics", "WARDEN_METRICS", "record gRPC and domain metrics, served at /metrics (true)",
       true, WARDEN_BOOL(set_metrics)},
      {"policy-file", "WARDEN_POLICY_FILE",
       "JSON access policy applied over the built-in one (see docs/policy.md)", false,
       WARDEN_STRING(set_policy_file)},
      {"trusted-proxies", "WARDEN_TRUSTED_PROXIES",
       "comma-separated CIDRs whose x-forwarded-for is believed (none)", false,
       WARDEN_STRING(set_trusted_proxies)},
      {"reflection", "WARDEN_REFLECTION", "serve gRPC server reflection (true)", true,
       WARDEN_BOOL(set_reflection)},
      {"tls-cert", "WARDEN_TLS_CERT", "PEM certificate chain: serve gRPC over TLS 1.2+", false,
       WARDEN_STRING(mutable_tls()->set_cert_file)},
      {"tls-key", "WARDEN_TLS_KEY", "PEM private key of --tls-cert", false,
       WARDEN_STRING(mutable_tls()->set_key_file)},
      {"tls-client-ca", "WARDEN_TLS_CLIENT_CA",
       "PEM CA bundle: verify client certificates (mutual TLS)", false,
       WARDEN_STRING(mutable_tls()->set_client_ca_file)},
      {"tls-client-auth", "WARDEN_TLS_CLIENT_AUTH",
       "with --tls-client-ca: require (default) or optional", false,
       WARDEN_STRING(mutable_tls()->set_client_auth)},
      {"tls-reload-seconds", "WARDEN_TLS_RELOAD_SECONDS",
       "how often certificate files are checked for changes (10)", false,
       WARDEN_UINT(mutable_tls()->set_reload_seconds)},
      {"health-listen", "WARDEN_HEALTH_LISTEN",
       "plaintext HOST:PORT serving only grpc.health.v1, for probes (off)", false,
       WARDEN_STRING(set_health_listen)},
      {"max-message-bytes", "WARDEN_MAX_MESSAGE_BYTES", "largest request accepted (65536)", false,
       WARDEN_UINT(mutable_limits()->set_max_message_bytes)},
      {"max-metadata-bytes", "WARDEN_MAX_METADATA_BYTES", "largest header list accepted (16384)",
       false, WARDEN_UINT(mutable_limits()->set_max_metadata_bytes)},
      {"max-concurrent-streams", "WARDEN_MAX_CONCURRENT_STREAMS",
       "concurrent calls per connection (100)", false,
       WARDEN_UINT(mutable_limits()->set_max_concurrent_streams)},
      {"keepalive-min-ping-seconds", "WARDEN_KEEPALIVE_MIN_PING_SECONDS",
       "client pings closer together than this are strikes; too many close the connection (60)",
       false, WARDEN_UINT(mutable_limits()->set_keepalive_min_ping_seconds)},
      {"max-connection-age-seconds", "WARDEN_MAX_CONNECTION_AGE_SECONDS",
       "connections older than this are told to go away, so load balancers rebalance (1800)", false,
       WARDEN_UINT(mutable_limits()->set_max_connection_age_seconds)},
      {"max-connection-age-grace-seconds", "WARDEN_MAX_CONNECTION_AGE_GRACE_SECONDS",
       "time given to calls on an aged-out connection (30)", false,
       WARDEN_UINT(mutable_limits()->set_max_connection_age_grace_seconds)},
      {"max-connection-idle-seconds", "WARDEN_MAX_CONNECTION_IDLE_SECONDS",
       "idle connections are closed after this (600)", false,
       WARDEN_UINT(mutable_limits()->set_max_connection_idle_seconds)},
      {"max-connections", "WARDEN_MAX_CONNECTIONS",
       "connections a plaintext listener holds; at the cap the quietest connection of the "
       "address holding the most is closed (RLIMIT_NOFILE/2, at most 4096)",
       false, WARDEN_UINT(mutable_limits()->set_max_connections)},
      {"max-connections-per-address", "WARDEN_MAX_CONNECTIONS_PER_ADDRESS",
       "connections per client address on a plaintext listener, trusted proxies exempt; 0: no "
       "cap (64)",
       false, WARDEN_UINT(mutable_limits()->set_max_connections_per_address)},
      {"handshake-timeout-ms", "WARDEN_HANDSHAKE_TIMEOUT_MS",
       "time a new connection has for its HTTP/2 preface (or TLS handshake) (5000)", false,
       WARDEN_UINT(mutable_limits()->set_handshake_timeout_ms)},
      {"max-resets-per-second", "WARDEN_MAX_RESETS_PER_SECOND",
       "calls a connection may cancel per second before it is closed and its address refused "
       "for 10 s (HTTP/2 Rapid Reset); plaintext listeners; 0: no budget (200)",
       false, WARDEN_UINT(mutable_limits()->set_max_resets_per_second)},
      {"memory-quota-mb", "WARDEN_MEMORY_QUOTA_MB",
       "gRPC resource quota: memory the transport may hold for connections and calls (256)", false,
       WARDEN_UINT(mutable_limits()->set_memory_quota_mb)},
      {"lockout-after", "WARDEN_LOCKOUT_AFTER",
       "failed logins of one account from one address that pause that pair for "
       "--lockout-seconds (10); other addresses are not affected",
       false, WARDEN_UINT(mutable_login_protection()->set_lockout_after)},
      {"lockout-seconds", "WARDEN_LOCKOUT_SECONDS",
       "pause of an (account, address) pair after --lockout-after failures (900)", false,
       WARDEN_UINT(mutable_login_protection()->set_lockout_seconds)},
      {"login-free-failures", "WARDEN_LOGIN_FREE_FAILURES",
       "failed logins per (account, address) before progressive delays (3)", false,
       WARDEN_UINT(mutable_login_protection()->set_free_failures)},
      {"login-hourly-cap", "WARDEN_LOGIN_HOURLY_CAP",
       "failed password checks per account per hour from addresses it has not logged in from, "
       "at most (100, ASVS 2.2.1)",
       false, WARDEN_UINT(mutable_login_protection()->set_hourly_cap)},
      {"peer-lockout-after", "WARDEN_PEER_LOCKOUT_AFTER",
       "failed password checks one client address may make in a burst (50); the budget refills "
       "over --peer-lockout-seconds, and accounts that logged in from the address skip it",
       false, WARDEN_UINT(mutable_login_protection()->set_peer_lockout_after)},
      {"peer-lockout-seconds", "WARDEN_PEER_LOCKOUT_SECONDS",
       "time in which an address's budget of failed checks refills completely (900)", false,
       WARDEN_UINT(mutable_login_protection()->set_peer_lockout_seconds)},
      {"store", "WARDEN_STORE",
       "sqlite (default, under --data-dir) or a PostgreSQL URL postgres://USER@HOST:PORT/DB", false,
       WARDEN_STRING(mutable_storage()->set_url)},
      {"postgres-pool-size", "WARDEN_POSTGRES_POOL_SIZE",
       "PostgreSQL connections per replica (10); keep replicas x this below max_connections", false,
       WARDEN_UINT(mutable_storage()->set_postgres_pool_size)},
      {"postgres-acquire-timeout-ms", "WARDEN_POSTGRES_ACQUIRE_TIMEOUT_MS",
       "how long a call waits for a free connection before UNAVAILABLE (2000)", false,
       WARDEN_UINT(mutable_storage()->set_postgres_acquire_timeout_ms)},
      {"migrate-on-start", "WARDEN_MIGRATE_ON_START",
       "PostgreSQL: apply schema migrations at startup instead of `wardend migrate` (false)", true,
       WARDEN_BOOL(mutable_storage()->set_migrate_on_start)},
      {"revocation-sync-ms", "WARDEN_REVOCATION_SYNC_MS",
       "how often revocations made by other replicas are read from the store (1000; 0: never)",
       false, WARDEN_UINT(mutable_storage()->set_revocation_sync_ms)},
      {"redis", "WARDEN_REDIS",
       "Redis for revocation fan-out between replicas: redis://HOST:PORT or unix:///path (off)",
       false, WARDEN_STRING(mutable_storage()->set_redis_url)},
      {"redis-shared-limits", "WARDEN_REDIS_SHARED_LIMITS",
       "with --redis: rate limits and brute-force counters shared by all replicas (true)", true,
       WARDEN_BOOL(mutable_storage()->set_redis_shared_limits)},
      {"redis-timeout-ms", "WARDEN_REDIS_TIMEOUT_MS",
       "how long a rate-limit or login check waits for Redis before using local counters (50)",
       false, WARDEN_UINT(mutable_storage()->set_redis_timeout_ms)},
      {"postgres-statement-timeout-ms", "WARDEN_POSTGRES_STATEMENT_TIMEOUT_MS",
       "PostgreSQL: longest a statement may run before UNAVAILABLE (5000; 0: the server's)", false,
       WARDEN_UINT(mutable_storage()->set_postgres_statement_timeout_ms)},
      {"postgres-read-url", "WARDEN_POSTGRES_READ_URL",
       "a PostgreSQL read replica for admin listings (off: everything on --store)", false,
       WARDEN_STRING(mutable_storage()->set_postgres_read_url)},
      {"sqlite-path", "WARDEN_SQLITE_PATH", "SQLite database file (<data-dir>/warden.db)", false,
       WARDEN_STRING(mutable_storage()->set_sqlite_path)},
      {"hash-threads", "WARDEN_HASH_THREADS", "password hashing threads (one per core)", false,
       WARDEN_UINT(mutable_workers()->set_hash_threads)},
      {"hash-queue", "WARDEN_HASH_QUEUE", "queued hashing jobs before RESOURCE_EXHAUSTED (64)",
       false, WARDEN_UINT(mutable_workers()->set_hash_queue)},
      {"hash-priority", "WARDEN_HASH_PRIORITY",
       "CPU priority of password hashing: adaptive (default: normal, but only spare CPU while "
       "a backlog waits, so a Login flood cannot slow ValidateToken), idle, low (nice 10) or "
       "normal",
       false, WARDEN_STRING(mutable_workers()->set_hash_priority)},
      {"io-threads", "WARDEN_IO_THREADS", "store I/O threads (4)", false,
       WARDEN_UINT(mutable_workers()->set_io_threads)},
      {"io-queue", "WARDEN_IO_QUEUE", "queued store jobs before RESOURCE_EXHAUSTED (1024)", false,
       WARDEN_UINT(mutable_workers()->set_io_queue)},
  };
  return *settings;
}

#undef WARDEN_STRING
#undef WARDEN_UINT
#undef WARDEN_BOOL

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

bool ValidListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return false;
  }
  uint32_t port = 0;
  return absl::SimpleAtoi(listen.substr(colon + 1), &port) && port <= 65535;
}

std::string TrimTrailingNewlines(std::string value) {
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
    value.pop_back();
  }
  return value;
}

// Reads the policy file (PolicyConfig JSON) into `policy`, over the built-in rules.
void ApplyPolicyFile(const std::string& path, core::Policy& policy,
                     std::vector<std::string>& problems) {
  std::optional<std::string> text = ReadFile(path);
  if (!text.has_value()) {
    problems.push_back(absl::StrCat("policy file ", path, ": cannot be read"));
    return;
  }
  ::warden::config::v1::PolicyConfig file;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(*text, &file, options);
      !parsed.ok()) {
    problems.push_back(absl::StrCat("policy file ", path, ": ", std::string(parsed.message())));
    return;
  }
  auto limit = [&](const ::warden::config::v1::RateLimitConfig& in, const std::string& where,
                   core::RateLimit& out) {
    if (in.per_second() < 0 || in.burst() < 0) {
      problems.push_back(absl::StrCat("policy file: ", where, ": rates must not be negative"));
      return;
    }
    out = core::RateLimit{.per_second = in.per_second(),
                          .burst = in.burst() > 0 ? in.burst() : std::max(1.0, in.per_second())};
  };
  for (const auto& [method, rule_in] : file.methods()) {
    if (!absl::StartsWith(method, "/") || method.find('/', 1) == std::string::npos) {
      problems.push_back(absl::StrCat("policy file: method '", method,
                                      "' is not /package.Service/Method or /package.Service/*"));
      continue;
    }
    core::MethodRule rule;
    if (rule_in.access() == "public") {
      rule.access = core::MethodRule::Access::kPublic;
    } else if (rule_in.access() == "authenticated") {
      rule.access = core::MethodRule::Access::kAuthenticated;
    } else if (rule_in.access() == "restricted" || rule_in.access().empty()) {
      rule.access = core::MethodRule::Access::kRestricted;
    } else {
      problems.push_back(absl::StrCat("policy file: ", method, ": access '", rule_in.access(),
                                      "' is not public, authenticated or restricted"));
      continue;
    }
    rule.roles.assign(rule_in.roles().begin(), rule_in.roles().end());
    rule.permissions.assign(rule_in.permissions().begin(), rule_in.permissions().end());
    limit(rule_in.per_peer(), method, rule.per_peer);
    limit(rule_in.per_principal(), method, rule.per_principal);
    limit(rule_in.per_method(), method, rule.per_method);
    policy.SetRule(method, std::move(rule));
  }
  for (const auto& [role, grants] : file.roles()) {
    policy.SetRolePermissions(role, {grants.permissions().begin(), grants.permissions().end()});
  }
  for (const auto& [identity, roles] : file.certificates()) {
    policy.SetCertificateRoles(identity, {roles.roles().begin(), roles.roles().end()});
  }
}

void ApplyAdmission(const Proto& merged, ServerConfig& config, std::vector<std::string>& problems) {
  if (merged.has_policy_file() && !merged.policy_file().empty()) {
    config.policy_file = merged.policy_file();
    ApplyPolicyFile(config.policy_file, config.policy, problems);
  }
  if (merged.has_trusted_proxies()) {
    for (absl::string_view cidr :
         absl::StrSplit(merged.trusted_proxies(), ',', absl::SkipWhitespace())) {
      config.trusted_proxies.push_back(std::string(absl::StripAsciiWhitespace(cidr)));
    }
  }
  config.reflection = !merged.has_reflection() || merged.reflection();
  const auto& login = merged.login_protection();
  auto& protection = config.login_protection;
  if (login.has_free_failures()) {
    protection.free_failures = static_cast<int>(login.free_failures());
  }
  if (login.has_lockout_after()) {
    protection.lockout_after = static_cast<int>(login.lockout_after());
  }
  if (login.has_lockout_seconds()) {
    protection.lockout = std::chrono::seconds(login.lockout_seconds());
  }
  if (login.has_hourly_cap()) {
    protection.hourly_cap = static_cast<int>(login.hourly_cap());
  }
  if (login.has_peer_lockout_after()) {
    protection.peer_failures = static_cast<int>(login.peer_lockout_after());
  }
  if (login.has_peer_lockout_seconds()) {
    protection.peer_window = std::chrono::seconds(login.peer_lockout_seconds());
  }
  if (protection.hourly_cap == 0 || protection.hourly_cap > 100) {
    problems.push_back(
        "login_protection.hourly_cap: must be 1..100 (ASVS 2.2.1: at most 100 failures an hour)");
  }
  if (protection.lockout_after > 0 && protection.lockout.count() == 0) {
    problems.push_back("login_protection.lockout_seconds: must be > 0");
  }
}

void ApplyTransport(const Proto& merged, ServerConfig& config, std::vector<std::string>& problems) {
  const auto& tls = merged.tls();
  config.tls_cert_file = tls.cert_file();
  config.tls_key_file = tls.key_file();
  config.tls_client_ca_file = tls.client_ca_file();
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    problems.push_back("tls: --tls-cert and --tls-key go together");
  }
  if (!config.tls_client_ca_file.empty() && config.tls_cert_file.empty()) {
    problems.push_back("tls: --tls-client-ca needs --tls-cert and --tls-key");
  }
  for (const std::string* file :
       {&config.tls_cert_file, &config.tls_key_file, &config.tls_client_ca_file}) {
    if (!file->empty() && !ReadFile(*file).has_value()) {
      problems.push_back(absl::StrCat("tls: cannot read ", *file));
    }
  }
  if (tls.has_client_auth()) {
    if (tls.client_auth() == "require") {
      config.tls_require_client_cert = true;
    } else if (tls.client_auth() == "optional") {
      config.tls_require_client_cert = false;
    } else {
      problems.push_back(
          absl::StrCat("tls.client_auth: '", tls.client_auth(), "' is not require or optional"));
    }
  }
  if (tls.has_reload_seconds()) {
    config.tls_reload = std::chrono::seconds(tls.reload_seconds());
    if (tls.reload_seconds() == 0) {
      problems.push_back("tls.reload_seconds: must be > 0");
    }
  }
  config.health_listen = merged.has_health_listen() ? merged.health_listen() : "";
  if (!config.health_listen.empty() && !ValidListen(config.health_listen)) {
    problems.push_back(
        absl::StrCat("health_listen: '", config.health_listen, "' is not HOST:PORT"));
  }
  const auto& limits = merged.limits();
  if (limits.has_max_message_bytes()) {
    config.max_message_bytes = limits.max_message_bytes();
  }
  if (limits.has_max_metadata_bytes()) {
    config.max_metadata_bytes = limits.max_metadata_bytes();
  }
  if (limits.has_max_concurrent_streams()) {
    config.max_concurrent_streams = limits.max_concurrent_streams();
  }
  if (limits.has_keepalive_min_ping_seconds()) {
    config.keepalive_min_ping = std::chrono::seconds(limits.keepalive_min_ping_seconds());
  }
  if (limits.has_max_connection_age_seconds()) {
    config.max_connection_age = std::chrono::seconds(limits.max_connection_age_seconds());
  }
  if (limits.has_max_connection_age_grace_seconds()) {
    config.max_connection_age_grace =
        std::chrono::seconds(limits.max_connection_age_grace_seconds());
  }
  if (limits.has_max_connection_idle_seconds()) {
    config.max_connection_idle = std::chrono::seconds(limits.max_connection_idle_seconds());
  }
  if (limits.has_max_connections()) {
    config.max_connections = limits.max_connections();
  }
  if (limits.has_max_connections_per_address()) {
    config.max_connections_per_address = limits.max_connections_per_address();
  }
  if (limits.has_handshake_timeout_ms()) {
    config.handshake_timeout = std::chrono::milliseconds(limits.handshake_timeout_ms());
  }
  if (limits.has_max_resets_per_second()) {
    config.max_resets_per_second = limits.max_resets_per_second();
  }
  if (limits.has_memory_quota_mb()) {
    config.memory_quota_mb = limits.memory_quota_mb();
  }
  if (config.handshake_timeout.count() < 100) {
    problems.push_back("limits: handshake_timeout_ms must be >= 100");
  }
  if (config.memory_quota_mb < 16) {
    problems.push_back("limits: memory_quota_mb must be >= 16");
  }
  if (config.max_message_bytes < 1024 || config.max_metadata_bytes < 1024 ||
      config.max_concurrent_streams == 0) {
    problems.push_back(
        "limits: max_message_bytes and max_metadata_bytes must be >= 1024, "
        "max_concurrent_streams > 0");
  }
}

}  // namespace

std::string ServerUsage() {
  std::string out =
      "usage: wardend [flags]\n\n"
      "Every flag may also be set by its environment variable, or in the JSON file named by\n"
      "--config (WARDEN_CONFIG). Precedence: flag > environment > file > default.\n\n"
      "  --config FILE  (WARDEN_CONFIG)\n      JSON configuration file (schema: "
      "proto/warden/config/v1/server_config.proto)\n";
  for (const Setting& s : Settings()) {
    absl::StrAppend(&out, "  --", s.flag, s.is_bool ? "" : " VALUE", "  (", s.env, ")\n      ",
                    s.help, "\n");
  }
  absl::StrAppend(&out,
                  "\nSecrets: JWT_SECRET_KEY or WARDEN_HS256_SECRET (environment only) select "
                  "HS256 with that secret.\n");
  return out;
}

std::string ConfigurationReferenceMarkdown() {
  std::string out =
      "| Flag | Environment | Meaning (default) |\n|---|---|---|\n"
      "| `--config FILE` | `WARDEN_CONFIG` | JSON configuration file (schema: "
      "`proto/warden/config/v1/server_config.proto`) |\n";
  for (const Setting& s : Settings()) {
    absl::StrAppend(&out, "| `--", s.flag, s.is_bool ? "" : " VALUE", "` | `", s.env, "` | ",
                    absl::StrReplaceAll(s.help, {{"|", "\\|"}}), " |\n");
  }
  return out;
}

absl::StatusOr<ServerConfig> LoadServerConfig(const ConfigSources& sources) {
  std::vector<std::string> problems;
  auto env = [&](const char* name) -> std::optional<std::string> {
    auto it = sources.environment.find(name);
    if (it == sources.environment.end()) {
      return std::nullopt;
    }
    return it->second;
  };

  // Flags.
  Proto from_flags;
  std::optional<std::string> config_path = env("WARDEN_CONFIG");
  for (size_t i = 0; i < sources.args.size(); ++i) {
    const std::string& arg = sources.args[i];
    if (arg == "--help" || arg == "-h") {
      return absl::CancelledError(ServerUsage());
    }
    if (!absl::StartsWith(arg, "--")) {
      problems.push_back(absl::StrCat("unexpected argument '", arg, "'"));
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "config") {
      if (!value.has_value() && i + 1 < sources.args.size()) {
        value = sources.args[++i];
      }
      if (!value.has_value() || value->empty()) {
        problems.push_back("--config: needs a file path");
      } else {
        config_path = value;
      }
      continue;
    }
    const Setting* setting = nullptr;
    for (const Setting& s : Settings()) {
      if (name == s.flag) {
        setting = &s;
      }
    }
    if (setting == nullptr) {
      problems.push_back(absl::StrCat("unknown flag --", name));
      continue;
    }
    if (!value.has_value()) {
      if (setting->is_bool) {
        value = "true";
      } else if (i + 1 < sources.args.size()) {
        value = sources.args[++i];
      } else {
        problems.push_back(absl::StrCat("--", name, ": needs a value"));
        continue;
      }
    }
    if (auto error = setting->set(from_flags, *value)) {
      problems.push_back(absl::StrCat("--", name, ": ", *error));
    }
  }

  // Environment.
  Proto from_env;
  for (const Setting& s : Settings()) {
    if (std::optional<std::string> value = env(s.env)) {
      if (auto error = s.set(from_env, *value)) {
        problems.push_back(absl::StrCat(s.env, ": ", *error));
      }
    }
  }

  // File.
  Proto merged;
  if (config_path.has_value()) {
    std::optional<std::string> text = ReadFile(*config_path);
    if (!text.has_value()) {
      problems.push_back(absl::StrCat("config file ", *config_path, ": cannot be read"));
    } else {
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = false;
      auto parsed = google::protobuf::util::JsonStringToMessage(*text, &merged, options);
      if (!parsed.ok()) {
        problems.push_back(
            absl::StrCat("config file ", *config_path, ": ", std::string(parsed.message())));
      }
    }
  }
  merged.MergeFrom(from_env);
  merged.MergeFrom(from_flags);

  ServerConfig config;
  if (merged.has_listen()) {
    config.listen = merged.listen();
  }
  if (!ValidListen(config.listen)) {
    problems.push_back(absl::StrCat("listen: '", config.listen, "' is not HOST:PORT"));
  }
  if (merged.has_data_dir()) {
    config.data_dir = merged.data_dir();
  }
  if (config.data_dir.empty()) {
    problems.push_back("data_dir: must not be empty");
  }
  config.dev = merged.has_dev() && merged.dev();
  if (merged.has_log_level()) {
    config.log_level = merged.log_level();
  }
  static const std::vector<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                   "error", "critical", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), config.log_level) == kLevels.end()) {
    problems.push_back(absl::StrCat("log_level: '", config.log_level, "' is not one of ",
                                    absl::StrJoin(kLevels, ", ")));
  }
  if (merged.has_log_format()) {
    config.log_format = merged.log_format();
  }
  if (config.log_format != "json" && config.log_format != "text") {
    problems.push_back(absl::StrCat("log_format: '", config.log_format, "' is not json or text"));
  }
  if (merged.has_access_log()) {
    config.access_log = merged.access_log();
  }
  if (config.access_log != "all" && config.access_log != "errors" && config.access_log != "off") {
    problems.push_back(
        absl::StrCat("access_log: '", config.access_log, "' is not all, errors or off"));
  }
  if (merged.has_access_log_sample_percent()) {
    config.access_log_sample_percent = merged.access_log_sample_percent();
    if (config.access_log_sample_percent > 100) {
      problems.push_back("access_log_sample_percent: must be 0..100");
    }
  }
  if (merged.has_otlp_endpoint()) {
    config.otlp_endpoint = merged.otlp_endpoint();
  } else if (std::optional<std::string> traces = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    config.otlp_endpoint = *traces;
  } else if (std::optional<std::string> base = env("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    std::string url = *base;
    while (!url.empty() && url.back() == '/') {
      url.pop_back();
    }
    config.otlp_endpoint = url + "/v1/traces";
  }
  if (!config.otlp_endpoint.empty() && !absl::StartsWith(config.otlp_endpoint, "http://") &&
      !absl::StartsWith(config.otlp_endpoint, "https://")) {
    problems.push_back(absl::StrCat("otlp_endpoint: '", config.otlp_endpoint,
                                    "' is not an http:// or https:// URL"));
  }
  if (merged.has_drain_delay_seconds()) {
    config.drain_delay = std::chrono::seconds(merged.drain_delay_seconds());
    if (merged.drain_delay_seconds() > 300) {
      problems.push_back("drain_delay_seconds: must be 0..300");
    }
  }
  if (merged.has_drain_seconds()) {
    config.drain = std::chrono::seconds(merged.drain_seconds());
    if (merged.drain_seconds() == 0 || merged.drain_seconds() > 600) {
      problems.push_back("drain_seconds: must be 1..600");
    }
  }
  config.sqlite_path = merged.storage().has_sqlite_path() ? merged.storage().sqlite_path()
                                                          : config.data_dir + "/warden.db";
  const auto& storage = merged.storage();
  if (storage.has_url() && storage.url() != "sqlite" && !storage.url().empty()) {
    config.postgres_url = storage.url();
    if (!absl::StartsWith(config.postgres_url, "postgres://") &&
        !absl::StartsWith(config.postgres_url, "postgresql://")) {
      problems.push_back("storage.url: must be sqlite or a postgres:// (postgresql://) URL");
    }
  }
  if (storage.has_postgres_pool_size()) {
    config.postgres_pool_size = storage.postgres_pool_size();
    if (config.postgres_pool_size == 0 || config.postgres_pool_size > 1000) {
      problems.push_back("storage.postgres_pool_size: must be 1..1000");
    }
  }
  if (storage.has_postgres_acquire_timeout_ms()) {
    config.postgres_acquire_timeout =
        std::chrono::milliseconds(storage.postgres_acquire_timeout_ms());
  }
  config.migrate_on_start = storage.has_migrate_on_start() && storage.migrate_on_start();
  if (storage.has_redis_url()) {
    config.redis_url = storage.redis_url();
    if (!config.redis_url.empty() && !absl::StartsWith(config.redis_url, "redis://") &&
        !absl::StartsWith(config.redis_url, "unix://")) {
      problems.push_back(
          "storage.redis_url: must be redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///path");
    }
  }
  if (storage.has_revocation_sync_ms()) {
    config.revocation_sync = std::chrono::milliseconds(storage.revocation_sync_ms());
  }
  if (storage.has_redis_shared_limits()) {
    config.redis_shared_limits = storage.redis_shared_limits();
  }
  if (storage.has_redis_timeout_ms()) {
    config.redis_timeout = std::chrono::milliseconds(storage.redis_timeout_ms());
    if (storage.redis_timeout_ms() == 0 || storage.redis_timeout_ms() > 10'000) {
      problems.push_back("storage.redis_timeout_ms: must be 1..10000");
    }
  }
  if (storage.has_postgres_statement_timeout_ms()) {
    config.postgres_statement_timeout =
        std::chrono::milliseconds(storage.postgres_statement_timeout_ms());
  }
  if (storage.has_postgres_read_url()) {
    config.postgres_read_url = storage.postgres_read_url();
    if (!config.postgres_read_url.empty() && config.postgres_url.empty()) {
      problems.push_back("storage.postgres_read_url: needs a PostgreSQL --store");
    }
  }

  const auto& token = merged.token();
  auto seconds_setting = [&](bool has, uint32_t value, const char* name, std::chrono::seconds& out,
                             bool allow_zero) {
    if (!has) {
      return;
    }
    if (value == 0 && !allow_zero) {
      problems.push_back(absl::StrCat("token.", name, ": must be > 0"));
      return;
    }
    out = std::chrono::seconds(value);
  };
  if (token.has_issuer()) {
    config.auth.issuer = token.issuer();
  }
  if (token.has_audience()) {
    config.auth.audience = token.audience();
  }
  if (config.auth.issuer.empty()) {
    problems.push_back("token.issuer: must not be empty");
  }
  if (config.auth.audience.empty()) {
    problems.push_back("token.audience: must not be empty");
  }
  seconds_setting(token.has_access_ttl_seconds(), token.access_ttl_seconds(), "access_ttl_seconds",
                  config.auth.access_ttl, false);
  seconds_setting(token.has_refresh_ttl_seconds(), token.refresh_ttl_seconds(),
                  "refresh_ttl_seconds", config.auth.refresh_ttl, false);
  seconds_setting(token.has_refresh_reuse_grace_seconds(), token.refresh_reuse_grace_seconds(),
                  "refresh_reuse_grace_seconds", config.auth.refresh_reuse_grace, true);
  seconds_setting(token.has_leeway_seconds(), token.leeway_seconds(), "leeway_seconds",
                  config.auth.leeway, true);
  if (token.has_refresh_rotation()) {
    if (token.refresh_rotation() == "requested") {
      config.auth.refresh_policy = core::AuthService::RefreshPolicy::kRequested;
    } else if (token.refresh_rotation() == "always") {
      config.auth.refresh_policy = core::AuthService::RefreshPolicy::kAlways;
    } else {
      problems.push_back(absl::StrCat("token.refresh_rotation: must be requested or always, not \"",
                                      token.refresh_rotation(), "\""));
    }
  }
  if (config.auth.leeway > std::chrono::minutes(5)) {
    problems.push_back("token.leeway_seconds: must be at most 300");
  }

  // Signing: JWT_SECRET_KEY (the seed's variable) selects HS256.
  std::optional<std::string> secret = env("WARDEN_HS256_SECRET");
  if (!secret.has_value()) {
    secret = env("JWT_SECRET_KEY");
  }
  std::optional<std::string> secret_file = token.has_hs256_secret_file()
                                               ? std::optional(token.hs256_secret_file())
                                               : env("JWT_SECRET_KEY_FILE");
  if (secret_file.has_value()) {
    if (std::optional<std::string> text = ReadFile(*secret_file)) {
      secret = TrimTrailingNewlines(*text);
    } else {
      problems.push_back(absl::StrCat("hs256_secret_file: cannot read ", *secret_file));
    }
  }
  if (token.has_algorithm()) {
    config.jwt_algorithm = token.algorithm();
  } else if (secret.has_value()) {
    config.jwt_algorithm = "HS256";
  }
  if (config.jwt_algorithm != "ES256" && config.jwt_algorithm != "EdDSA" &&
      config.jwt_algorithm != "HS256") {
    problems.push_back(
        absl::StrCat("token.algorithm: '", config.jwt_algorithm, "' is not ES256, EdDSA or HS256"));
  }
  config.signing_key_file = token.signing_key_file();
  std::optional<std::string> master_key = env("WARDEN_MASTER_KEY");
  if (token.has_master_key_file()) {
    if (std::optional<std::string> text = ReadFile(token.master_key_file())) {
      master_key = *text;
    } else {
      problems.push_back(absl::StrCat("master_key_file: cannot read ", token.master_key_file()));
    }
  }
  config.master_key = master_key.value_or("");
  if (config.jwt_algorithm == "HS256") {
    config.signing_mode = ServerConfig::SigningMode::kHs256;
    if (!secret.has_value() || secret->empty()) {
      if (!config.dev) {
        problems.push_back(
            "token.algorithm HS256: needs a secret in JWT_SECRET_KEY, WARDEN_HS256_SECRET or "
            "hs256_secret_file");
      }
    } else {
      config.hs256_secret = *secret;
      if (config.hs256_secret.size() < 32 && !config.dev) {
        problems.push_back("HS256 secret: must be at least 32 bytes (outside --dev)");
      }
    }
  } else if (secret.has_value()) {
    problems.push_back(absl::StrCat("token.algorithm ", config.jwt_algorithm,
                                    " conflicts with the HS256 secret that is set"));
  } else if (!config.signing_key_file.empty()) {
    config.signing_mode = ServerConfig::SigningMode::kStaticKey;
  } else if (!config.master_key.empty() || config.dev) {
    config.signing_mode = ServerConfig::SigningMode::kManaged;
  } else if (sources.needs_signing_key) {
    problems.push_back(
        "no signing key configured: set --master-key-file (WARDEN_MASTER_KEY_FILE) for the "
        "managed, rotating key ring, or --signing-key-file (WARDEN_SIGNING_KEY_FILE), or "
        "JWT_SECRET_KEY for HS256, or run with --dev to generate keys under --data-dir");
  }
  if (token.has_rotation_period_seconds()) {
    config.rotation_period = std::chrono::seconds(token.rotation_period_seconds());
  }
  if (token.has_jwks_max_age_seconds()) {
    config.jwks_max_age = std::chrono::seconds(token.jwks_max_age_seconds());
  }
  if (config.rotation_period < 4 * config.jwks_max_age ||
      config.rotation_period < std::chrono::minutes(1)) {
    problems.push_back(
        "token.rotation_period_seconds: must be at least 60 and 4 x jwks_max_age_seconds");
  }
  config.http_listen = merged.has_http_listen()
                           ? merged.http_listen()
                           : (config.dev ? std::string("127.0.0.1:8080") : std::string());
  if (!config.http_listen.empty() && !ValidListen(config.http_listen)) {
    problems.push_back(absl::StrCat("http_listen: '", config.http_listen, "' is not HOST:PORT"));
  }
  config.public_url = merged.has_public_url() ? merged.public_url() : "";
  config.metrics = !merged.has_metrics() || merged.metrics();

  const auto& workers = merged.workers();
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  config.hash_threads = workers.has_hash_threads() ? workers.hash_threads() : cores;
  config.hash_queue = workers.has_hash_queue() ? workers.hash_queue() : config.hash_queue;
  config.io_threads = workers.has_io_threads() ? workers.io_threads() : config.io_threads;
  config.io_queue = workers.has_io_queue() ? workers.io_queue() : config.io_queue;
  if (workers.has_hash_priority()) {
    config.hash_priority = workers.hash_priority();
    if (config.hash_priority != "adaptive" && config.hash_priority != "idle" &&
        config.hash_priority != "low" && config.hash_priority != "normal") {
      problems.push_back(absl::StrCat("workers.hash_priority: '", config.hash_priority,
                                      "' is not adaptive, idle, low or normal"));
    }
  }
  if (config.hash_threads == 0 || config.io_threads == 0 || config.hash_queue == 0 ||
      config.io_queue == 0) {
    problems.push_back("workers: thread and queue sizes must be > 0");
  }

  ApplyAdmission(merged, config, problems);
  // The seed's variables name the TLS files when nothing else does (its server requires client
  // certificates signed by TLS_CA_FILE).
  auto* tls = merged.mutable_tls();
  if (std::optional<std::string> v = env("TLS_CERT_FILE"); v && !tls->has_cert_file()) {
    tls->set_cert_file(*v);
  }
  if (std::optional<std::string> v = env("TLS_KEY_FILE"); v && !tls->has_key_file()) {
    tls->set_key_file(*v);
  }
  if (std::optional<std::string> v = env("TLS_CA_FILE"); v && !tls->has_client_ca_file()) {
    tls->set_client_ca_file(*v);
  }
  ApplyTransport(merged, config, problems);

  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
  }
  return config;
}

}  // namespace warden::config
