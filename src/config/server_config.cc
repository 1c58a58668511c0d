#include "config/server_config.h"

#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <thread>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "warden/config/v1/server_config.pb.h"

namespace warden::config {
namespace {

using Proto = ::warden::config::v1::ServerConfig;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr uint32_t kNoMax = std::numeric_limits<uint32_t>::max();

// A mode's names in the flag, environment and file, with its enum value.
template <typename E>
struct Named {
  const char* name;
  E value;
};

constexpr Named<LogFormat> kLogFormats[] = {{"json", LogFormat::kJson}, {"text", LogFormat::kText}};
constexpr Named<AccessLog> kAccessLogs[] = {
    {"errors", AccessLog::kErrors}, {"all", AccessLog::kAll}, {"off", AccessLog::kOff}};
constexpr Named<ClientAuth> kClientAuths[] = {{"require", ClientAuth::kRequire},
                                              {"optional", ClientAuth::kOptional}};
constexpr Named<HashPriority> kHashPriorities[] = {{"adaptive", HashPriority::kAdaptive},
                                                   {"idle", HashPriority::kIdle},
                                                   {"low", HashPriority::kLow},
                                                   {"normal", HashPriority::kNormal}};
constexpr Named<JwtAlgorithm> kAlgorithms[] = {{"ES256", JwtAlgorithm::kEs256},
                                               {"EdDSA", JwtAlgorithm::kEdDsa},
                                               {"HS256", JwtAlgorithm::kHs256}};
constexpr Named<core::AuthService::RefreshPolicy> kRefreshPolicies[] = {
    {"requested", core::AuthService::RefreshPolicy::kRequested},
    {"always", core::AuthService::RefreshPolicy::kAlways}};
constexpr const char* kLogLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

template <typename Table>
std::vector<std::string> NamesOf(const Table& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) {
    if constexpr (std::is_same_v<std::decay_t<decltype(entry)>, const char*>) {
      names.emplace_back(entry);
    } else {
      names.emplace_back(entry.name);
    }
  }
  return names;
}

// The value of an already validated mode.
template <typename E, size_t N>
E ValueOf(const Named<E> (&table)[N], const std::string& name) {
  for (const Named<E>& entry : table) {
    if (name == entry.name) {
      return entry.value;
    }
  }
  return table[0].value;
}

// One setting: its flag, environment variable and JSON field (the proto's field path), its
// default, its help, and the checks of its value. The only place a setting is declared.
struct Setting {
  const char* flag;
  const char* env;
  const char*
      field;  // in proto/warden/config/v1/server_config.proto, e.g. "limits.max_connections"
  const char* help;
  const char* default_value = nullptr;  // applied when no source sets it
  const char* computed = nullptr;       // or: how the default is worked out (documentation)
  std::vector<std::string> choices = {};
  uint32_t min = 0;
  uint32_t max = kNoMax;
  const char* why = nullptr;  // said when the value is out of range
};

const std::vector<Setting>& Settings() {
  static const auto* settings = new std::vector<Setting>{
      {.flag = "listen",
       .env = "WARDEN_LISTEN",
       .field = "listen",
       .help = "gRPC address HOST:PORT",
       .default_value = "127.0.0.1:50051"},
      {.flag = "data-dir",
       .env = "WARDEN_DATA_DIR",
       .field = "data_dir",
       .help = "directory for the SQLite database and dev keys",
       .default_value = "./data"},
      {.flag = "dev",
       .env = "WARDEN_DEV",
       .field = "dev",
       .help = "development mode: generate missing keys under --data-dir, allow weak secrets",
       .default_value = "false"},
      {.flag = "log-level",
       .env = "WARDEN_LOG_LEVEL",
       .field = "log_level",
       .help = "least severe level logged: trace, debug, info, warn, error, critical or off",
       .default_value = "info",
       .choices = NamesOf(kLogLevels)},
      {.flag = "log-format",
       .env = "WARDEN_LOG_FORMAT",
       .field = "log_format",
       .help = "json (one object per line) or text",
       .default_value = "json",
       .choices = NamesOf(kLogFormats)},
      {.flag = "access-log",
       .env = "WARDEN_ACCESS_LOG",
       .field = "access_log",
       .help = "one JSON line per RPC: errors (failed calls), all, or off",
       .default_value = "errors",
       .choices = NamesOf(kAccessLogs)},
      {.flag = "access-log-sample-percent",
       .env = "WARDEN_ACCESS_LOG_SAMPLE_PERCENT",
       .field = "access_log_sample_percent",
       .help = "percentage of the selected RPCs logged",
       .default_value = "100",
       .max = 100},
      {.flag = "otlp-endpoint",
       .env = "WARDEN_OTLP_ENDPOINT",
       .field = "otlp_endpoint",
       .help = "export spans over OTLP/HTTP to this http:// or https:// URL",
       .computed = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + "
                   "/v1/traces, else off"},
      {.flag = "drain-seconds",
       .env = "WARDEN_DRAIN_SECONDS",
       .field = "drain_seconds",
       .help = "graceful shutdown budget in seconds",
       .default_value = "10",
       .min = 1,
       .max = 600},
      {.flag = "drain-delay-seconds",
       .env = "WARDEN_DRAIN_DELAY_SECONDS",
       .field = "drain_delay_seconds",
       .help = "on SIGTERM, report NOT_SERVING but keep serving this long before draining (5-10 "
               "behind a load balancer or in Kubernetes)",
       .default_value = "0",
       .max = 300},
      {.flag = "issuer",
       .env = "WARDEN_ISSUER",
       .field = "token.issuer",
       .help = "token issuer, claim iss",
       .default_value = "warden"},
      {.flag = "audience",
       .env = "WARDEN_AUDIENCE",
       .field = "token.audience",
       .help = "token audience, claim aud",
       .default_value = "warden"},
      {.flag = "access-ttl-seconds",
       .env = "WARDEN_ACCESS_TTL_SECONDS",
       .field = "token.access_ttl_seconds",
       .help = "access token lifetime",
       .default_value = "900",
       .min = 1},
      {.flag = "refresh-ttl-seconds",
       .env = "WARDEN_REFRESH_TTL_SECONDS",
       .field = "token.refresh_ttl_seconds",
       .help = "session lifetime",
       .default_value = "604800",
       .min = 1},
      {.flag = "refresh-reuse-grace-seconds",
       .env = "WARDEN_REFRESH_REUSE_GRACE_SECONDS",
       .field = "token.refresh_reuse_grace_seconds",
       .help = "window in which presenting the refresh token just rotated again gets the same "
               "successor (a retry) instead of revoking its session",
       .default_value = "10"},
      {.flag = "refresh-rotation",
       .env = "WARDEN_REFRESH_ROTATION",
       .field = "token.refresh_rotation",
       .help = "which sessions rotate their refresh token: requested (those whose Login asks with "
               "refresh_token_mode ROTATING; others, such as the seed's clients, keep one token) "
               "or always (a Login asking for STABLE is refused)",
       .default_value = "requested",
       .choices = NamesOf(kRefreshPolicies)},
      {.flag = "leeway-seconds",
       .env = "WARDEN_LEEWAY_SECONDS",
       .field = "token.leeway_seconds",
       .help = "clock skew allowed on exp/nbf/iat",
       .default_value = "30",
       .max = 300},
      {.flag = "jwt-algorithm",
       .env = "WARDEN_JWT_ALGORITHM",
       .field = "token.algorithm",
       .help = "signing algorithm: ES256, EdDSA or HS256",
       .computed = "HS256 when an HS256 secret is set, else ES256",
       .choices = NamesOf(kAlgorithms)},
      {.flag = "signing-key-file",
       .env = "WARDEN_SIGNING_KEY_FILE",
       .field = "token.signing_key_file",
       .help = "PEM private key (EC P-256 or Ed25519)"},
      {.flag = "hs256-secret-file",
       .env = "WARDEN_HS256_SECRET_FILE",
       .field = "token.hs256_secret_file",
       .help = "file holding the HS256 secret (also JWT_SECRET_KEY_FILE; the secret itself may "
               "come from JWT_SECRET_KEY or WARDEN_HS256_SECRET)"},
      {.flag = "master-key-file",
       .env = "WARDEN_MASTER_KEY_FILE",
       .field = "token.master_key_file",
       .help = "file with the base64 master key sealing the managed key ring (also "
               "WARDEN_MASTER_KEY)"},
      {.flag = "rotation-period-seconds",
       .env = "WARDEN_ROTATION_PERIOD_SECONDS",
       .field = "token.rotation_period_seconds",
       .help = "managed key ring: how long each key signs; at least 60 and 4 x "
               "--jwks-max-age-seconds",
       .default_value = "86400",
       .min = 60},
      {.flag = "jwks-max-age-seconds",
       .env = "WARDEN_JWKS_MAX_AGE_SECONDS",
       .field = "token.jwks_max_age_seconds",
       .help = "Cache-Control max-age of the JWKS; new keys are published twice this long "
               "before they sign",
       .default_value = "300"},
      {.flag = "http-listen",
       .env = "WARDEN_HTTP_LISTEN",
       .field = "http_listen",
       .help = "HTTP address HOST:PORT for JWKS, discovery, metrics and probes",
       .computed = "127.0.0.1:8080 with --dev, else off"},
      {.flag = "public-url",
       .env = "WARDEN_PUBLIC_URL",
       .field = "public_url",
       .help = "base URL of the HTTP listener as others reach it",
       .computed = "http://<http-listen as bound>"},
      {.flag = "metrics",
       .env = "WARDEN_METRICS",
       .field = "metrics",
       .help = "record gRPC and domain metrics, served at /metrics",
       .default_value = "true"},
      {.flag = "policy-file",
       .env = "WARDEN_POLICY_FILE",
       .field = "policy_file",
       .help = "JSON access policy applied over the built-in one (see docs/policy.md)"},
      {.flag = "trusted-proxies",
       .env = "WARDEN_TRUSTED_PROXIES",
       .field = "trusted_proxies",
       .help = "comma-separated CIDRs whose x-forwarded-for is believed"},
      {.flag = "reflection",
       .env = "WARDEN_REFLECTION",
       .field = "reflection",
       .help = "serve gRPC server reflection",
       .default_value = "true"},
      {.flag = "tls-cert",
       .env = "WARDEN_TLS_CERT",
       .field = "tls.cert_file",
       .help = "PEM certificate chain: serve gRPC over TLS 1.2+ (also TLS_CERT_FILE)"},
      {.flag = "tls-key",
       .env = "WARDEN_TLS_KEY",
       .field = "tls.key_file",
       .help = "PEM private key of --tls-cert (also TLS_KEY_FILE)"},
      {.flag = "tls-client-ca",
       .env = "WARDEN_TLS_CLIENT_CA",
       .field = "tls.client_ca_file",
       .help = "PEM CA bundle: verify client certificates, mutual TLS (also TLS_CA_FILE)"},
      {.flag = "tls-client-auth",
       .env = "WARDEN_TLS_CLIENT_AUTH",
       .field = "tls.client_auth",
       .help = "with --tls-client-ca: require or optional",
       .default_value = "require",
       .choices = NamesOf(kClientAuths)},
      {.flag = "tls-reload-seconds",
       .env = "WARDEN_TLS_RELOAD_SECONDS",
       .field = "tls.reload_seconds",
       .help = "how often certificate files are checked for changes",
       .default_value = "10",
       .min = 1},
      {.flag = "health-listen",
       .env = "WARDEN_HEALTH_LISTEN",
       .field = "health_listen",
       .help = "plaintext HOST:PORT serving only grpc.health.v1, for probes"},
      {.flag = "max-message-bytes",
       .env = "WARDEN_MAX_MESSAGE_BYTES",
       .field = "limits.max_message_bytes",
       .help = "largest request accepted",
       .default_value = "65536",
       .min = 1024},
      {.flag = "max-metadata-bytes",
       .env = "WARDEN_MAX_METADATA_BYTES",
       .field = "limits.max_metadata_bytes",
       .help = "largest header list accepted",
       .default_value = "16384",
       .min = 1024},
      {.flag = "max-concurrent-streams",
       .env = "WARDEN_MAX_CONCURRENT_STREAMS",
       .field = "limits.max_concurrent_streams",
       .help = "concurrent calls per connection",
       .default_value = "100",
       .min = 1},
      {.flag = "keepalive-min-ping-seconds",
       .env = "WARDEN_KEEPALIVE_MIN_PING_SECONDS",
       .field = "limits.keepalive_min_ping_seconds",
       .help = "client pings closer together than this are strikes; too many close the connection",
       .default_value = "60"},
      {.flag = "max-connection-age-seconds",
       .env = "WARDEN_MAX_CONNECTION_AGE_SECONDS",
       .field = "limits.max_connection_age_seconds",
       .help = "connections older than this are told to go away, so load balancers rebalance",
       .default_value = "1800"},
      {.flag = "max-connection-age-grace-seconds",
       .env = "WARDEN_MAX_CONNECTION_AGE_GRACE_SECONDS",
       .field = "limits.max_connection_age_grace_seconds",
       .help = "time given to calls on an aged-out connection",
       .default_value = "30"},
      {.flag = "max-connection-idle-seconds",
       .env = "WARDEN_MAX_CONNECTION_IDLE_SECONDS",
       .field = "limits.max_connection_idle_seconds",
       .help = "idle connections are closed after this",
       .default_value = "600"},
      {.flag = "max-connections",
       .env = "WARDEN_MAX_CONNECTIONS",
       .field = "limits.max_connections",
       .help = "connections a plaintext listener holds; at the cap the quietest connection of the "
               "address holding the most is closed",
       .computed = "RLIMIT_NOFILE/2, at most 4096"},
      {.flag = "max-connections-per-address",
       .env = "WARDEN_MAX_CONNECTIONS_PER_ADDRESS",
       .field = "limits.max_connections_per_address",
       .help = "connections per client address on a plaintext listener, trusted proxies exempt; "
               "0: no cap",
       .default_value = "64"},
      {.flag = "handshake-timeout-ms",
       .env = "WARDEN_HANDSHAKE_TIMEOUT_MS",
       .field = "limits.handshake_timeout_ms",
       .help = "time a new connection has for its HTTP/2 preface (or TLS handshake)",
       .default_value = "5000",
       .min = 100},
      {.flag = "max-resets-per-second",
       .env = "WARDEN_MAX_RESETS_PER_SECOND",
       .field = "limits.max_resets_per_second",
       .help = "calls a connection may cancel per second before it is closed and its address "
               "refused for 10 s (HTTP/2 Rapid Reset); plaintext listeners; 0: no budget",
       .default_value = "200"},
      {.flag = "memory-quota-mb",
       .env = "WARDEN_MEMORY_QUOTA_MB",
       .field = "limits.memory_quota_mb",
       .help = "gRPC resource quota: memory the transport may hold for connections and calls",
       .default_value = "256",
       .min = 16},
      {.flag = "lockout-after",
       .env = "WARDEN_LOCKOUT_AFTER",
       .field = "login_protection.lockout_after",
       .help = "failed logins of one account from one address that pause that pair for "
               "--lockout-seconds; other addresses are not affected",
       .default_value = "10"},
      {.flag = "lockout-seconds",
       .env = "WARDEN_LOCKOUT_SECONDS",
       .field = "login_protection.lockout_seconds",
       .help = "pause of an (account, address) pair after --lockout-after failures",
       .default_value = "900"},
      {.flag = "login-free-failures",
       .env = "WARDEN_LOGIN_FREE_FAILURES",
       .field = "login_protection.free_failures",
       .help = "failed logins per (account, address) before progressive delays",
       .default_value = "3"},
      {.flag = "login-hourly-cap",
       .env = "WARDEN_LOGIN_HOURLY_CAP",
       .field = "login_protection.hourly_cap",
       .help = "failed password checks per account per hour from addresses it has not logged in "
               "from (ASVS 2.2.1: at most 100)",
       .default_value = "100",
       .min = 1,
       .max = 100,
       .why = "ASVS 2.2.1: at most 100 failures an hour"},
      {.flag = "peer-lockout-after",
       .env = "WARDEN_PEER_LOCKOUT_AFTER",
       .field = "login_protection.peer_lockout_after",
       .help = "failed password checks one client address may make in a burst; the budget "
               "refills over --peer-lockout-seconds, and accounts that logged in from the address "
               "skip it",
       .default_value = "50"},
      {.flag = "peer-lockout-seconds",
       .env = "WARDEN_PEER_LOCKOUT_SECONDS",
       .field = "login_protection.peer_lockout_seconds",
       .help = "time in which an address's budget of failed checks refills completely",
       .default_value = "900"},
      {.flag = "store",
       .env = "WARDEN_STORE",
       .field = "storage.url",
       .help = "sqlite (under --data-dir) or a PostgreSQL URL postgres://USER@HOST:PORT/DB",
       .default_value = "sqlite"},
      {.flag = "postgres-pool-size",
       .env = "WARDEN_POSTGRES_POOL_SIZE",
       .field = "storage.postgres_pool_size",
       .help = "PostgreSQL connections per replica; keep replicas x this below max_connections",
       .default_value = "10",
       .min = 1,
       .max = 1000},
      {.flag = "postgres-acquire-timeout-ms",
       .env = "WARDEN_POSTGRES_ACQUIRE_TIMEOUT_MS",
       .field = "storage.postgres_acquire_timeout_ms",
       .help = "how long a call waits for a free connection before UNAVAILABLE",
       .default_value = "2000"},
      {.flag = "migrate-on-start",
       .env = "WARDEN_MIGRATE_ON_START",
       .field = "storage.migrate_on_start",
       .help = "PostgreSQL: apply schema migrations at startup instead of `wardend migrate`",
       .default_value = "false"},
      {.flag = "revocation-sync-ms",
       .env = "WARDEN_REVOCATION_SYNC_MS",
       .field = "storage.revocation_sync_ms",
       .help = "how often revocations made by other replicas are read from the store; 0: never",
       .default_value = "1000"},
      {.flag = "redis",
       .env = "WARDEN_REDIS",
       .field = "storage.redis_url",
       .help = "Redis for revocation fan-out between replicas: "
               "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///path; empty: off"},
      {.flag = "redis-shared-limits",
       .env = "WARDEN_REDIS_SHARED_LIMITS",
       .field = "storage.redis_shared_limits",
       .help = "with --redis: rate limits and brute-force counters shared by all replicas",
       .default_value = "true"},
      {.flag = "redis-timeout-ms",
       .env = "WARDEN_REDIS_TIMEOUT_MS",
       .field = "storage.redis_timeout_ms",
       .help = "how long a rate-limit or login check waits for Redis before using local counters",
       .default_value = "50",
       .min = 1,
       .max = 10'000},
      {.flag = "postgres-statement-timeout-ms",
       .env = "WARDEN_POSTGRES_STATEMENT_TIMEOUT_MS",
       .field = "storage.postgres_statement_timeout_ms",
       .help = "PostgreSQL: longest a statement may run before UNAVAILABLE; 0: the server's",
       .default_value = "5000"},
      {.flag = "postgres-read-url",
       .env = "WARDEN_POSTGRES_READ_URL",
       .field = "storage.postgres_read_url",
       .help = "a PostgreSQL read replica for admin listings; empty: everything on --store"},
      {.flag = "sqlite-path",
       .env = "WARDEN_SQLITE_PATH",
       .field = "storage.sqlite_path",
       .help = "SQLite database file",
       .computed = "<data-dir>/warden.db"},
      {.flag = "hash-threads",
       .env = "WARDEN_HASH_THREADS",
       .field = "workers.hash_threads",
       .help = "password hashing threads",
       .computed = "one per core",
       .min = 1},
      {.flag = "hash-queue",
       .env = "WARDEN_HASH_QUEUE",
       .field = "workers.hash_queue",
       .help = "queued hashing jobs before RESOURCE_EXHAUSTED",
       .default_value = "64",
       .min = 1},
      {.flag = "hash-priority",
       .env = "WARDEN_HASH_PRIORITY",
       .field = "workers.hash_priority",
       .help = "CPU priority of password hashing: adaptive (normal, but only spare CPU while a "
               "backlog waits, so a Login flood cannot slow ValidateToken), idle, low (nice 10) "
               "or normal",
       .default_value = "adaptive",
       .choices = NamesOf(kHashPriorities)},
      {.flag = "io-threads",
       .env = "WARDEN_IO_THREADS",
       .field = "workers.io_threads",
       .help = "store I/O threads",
       .default_value = "4",
       .min = 1},
      {.flag = "io-queue",
       .env = "WARDEN_IO_QUEUE",
       .field = "workers.io_queue",
       .help = "queued store jobs before RESOURCE_EXHAUSTED",
       .default_value = "1024",
       .min = 1},
  };
  return *settings;
}

// The field a setting names, in `root`, creating the messages on its path.
struct FieldRef {
  Message* message;
  const FieldDescriptor* field;
};

FieldRef Resolve(Message& root, absl::string_view path) {
  Message* message = &root;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const FieldDescriptor* inner = message->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    message = message->GetReflection()->MutableMessage(message, inner);
  }
  return {message, message->GetDescriptor()->FindFieldByName(std::string(parts.back()))};
}

std::string TextOf(const FieldRef& ref) {
  const auto* reflection = ref.message->GetReflection();
  switch (ref.field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      return reflection->GetBool(*ref.message, ref.field) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(reflection->GetUInt32(*ref.message, ref.field));
    default:
      return reflection->GetString(*ref.message, ref.field);
  }
}

// Sets a setting's field from flag or environment text; returns the problem, if any.
std::optional<std::string> SetFromText(Proto& proto, const Setting& setting,
                                       const std::string& text) {
  FieldRef ref = Resolve(proto, setting.field);
  const auto* reflection = ref.message->GetReflection();
  switch (ref.field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool value = false;
      if (auto problem = flags::ParseBool(text, value)) {
        return problem;
      }
      reflection->SetBool(ref.message, ref.field, value);
      return std::nullopt;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value = 0;
      if (auto problem = flags::ParseUint32(text, value)) {
        return problem;
      }
      reflection->SetUInt32(ref.message, ref.field, value);
      return std::nullopt;
    }
    default:
      reflection->SetString(ref.message, ref.field, text);
      return std::nullopt;
  }
}

// The declared checks of one setting's final value, wherever it came from.
std::optional<std::string> CheckValue(Proto& proto, const Setting& setting) {
  FieldRef ref = Resolve(proto, setting.field);
  if (!ref.message->GetReflection()->HasField(*ref.message, ref.field)) {
    return std::nullopt;
  }
  const std::string text = TextOf(ref);
  if (!setting.choices.empty() &&
      std::find(setting.choices.begin(), setting.choices.end(), text) == setting.choices.end()) {
    std::vector<std::string> all(setting.choices.begin(), setting.choices.end() - 1);
    return absl::StrCat("'", text, "' is not ", absl::StrJoin(all, ", "), " or ",
                        setting.choices.back());
  }
  if (ref.field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32) {
    const uint32_t value = ref.message->GetReflection()->GetUInt32(*ref.message, ref.field);
    if (value < setting.min || value > setting.max) {
      return absl::StrCat(setting.max == kNoMax
                              ? absl::StrCat("must be >= ", setting.min)
                              : absl::StrCat("must be ", setting.min, "..", setting.max),
                          setting.why != nullptr ? absl::StrCat(" (", setting.why, ")") : "");
    }
  }
  return std::nullopt;
}

constexpr char kConfigFlag[] = "config";

const flags::FlagSet& FlagSetOf() {
  static const auto* set = [] {
    std::vector<flags::Flag> declared = {
        {.name = kConfigFlag,
         .value_name = "FILE",
         .env = "WARDEN_CONFIG",
         .help = "JSON configuration file (schema: proto/warden/config/v1/server_config.proto; "
                 "fields as in the JSON column)"}};
    Proto probe;
    for (const Setting& s : Settings()) {
      FieldRef ref = Resolve(probe, s.field);
      if (ref.field == nullptr) {
        std::abort();  // a declared field the proto does not have: caught by every test
      }
      declared.push_back(
          {.name = s.flag,
           .value_name = ref.field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL ? "" : "VALUE",
           .env = s.env,
           .default_text = s.default_value != nullptr ? s.default_value
                                                      : (s.computed != nullptr ? s.computed : ""),
           .help = s.help});
    }
    return new flags::FlagSet(std::move(declared));
  }();
  return *set;
}

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

using Problems = std::vector<std::string>;

ObservabilityOptions ObservabilityOf(const Proto& p, const ConfigSources& sources,
                                     Problems& problems) {
  ObservabilityOptions o;
  o.log_level = p.log_level();
  o.log_format = ValueOf(kLogFormats, p.log_format());
  o.access_log = ValueOf(kAccessLogs, p.access_log());
  o.access_log_sample_percent = p.access_log_sample_percent();
  o.metrics = p.metrics();
  auto env = [&](const char* name) -> std::optional<std::string> {
    auto it = sources.environment.find(name);
    return it == sources.environment.end() ? std::nullopt : std::optional(it->second);
  };
  if (p.has_otlp_endpoint()) {
    o.otlp_endpoint = p.otlp_endpoint();
  } else if (std::optional<std::string> traces = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    o.otlp_endpoint = *traces;
  } else if (std::optional<std::string> base = env("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    o.otlp_endpoint = absl::StrCat(absl::StripSuffix(*base, "/"), "/v1/traces");
  }
  if (!o.otlp_endpoint.empty() && !absl::StartsWith(o.otlp_endpoint, "http://") &&
      !absl::StartsWith(o.otlp_endpoint, "https://")) {
    problems.push_back(
        absl::StrCat("otlp_endpoint: '", o.otlp_endpoint, "' is not an http:// or https:// URL"));
  }
  return o;
}

TransportOptions TransportOf(const Proto& p, bool dev, Problems& problems) {
  TransportOptions t;
  t.listen = p.listen();
  t.health_listen = p.health_listen();
  t.http_listen = p.has_http_listen() ? p.http_listen() : (dev ? "127.0.0.1:8080" : "");
  t.public_url = p.public_url();
  t.reflection = p.reflection();
  t.drain = std::chrono::seconds(p.drain_seconds());
  t.drain_delay = std::chrono::seconds(p.drain_delay_seconds());
  for (auto [name, value] : {std::pair{"listen", &t.listen},
                             {"health_listen", &t.health_listen},
                             {"http_listen", &t.http_listen}}) {
    if ((name == absl::string_view("listen") || !value->empty()) && !ValidListen(*value)) {
      problems.push_back(absl::StrCat(name, ": '", *value, "' is not HOST:PORT"));
    }
  }
  return t;
}

TlsOptions TlsOf(const Proto& p, Problems& problems) {
  const auto& tls = p.tls();
  TlsOptions t{.cert_file = tls.cert_file(),
               .key_file = tls.key_file(),
               .client_ca_file = tls.client_ca_file(),
               .client_auth = ValueOf(kClientAuths, tls.client_auth()),
               .reload = std::chrono::seconds(tls.reload_seconds())};
  if (t.cert_file.empty() != t.key_file.empty()) {
    problems.push_back("tls: --tls-cert and --tls-key go together");
  }
  if (!t.client_ca_file.empty() && t.cert_file.empty()) {
    problems.push_back("tls: --tls-client-ca needs --tls-cert and --tls-key");
  }
  for (const std::string* file : {&t.cert_file, &t.key_file, &t.client_ca_file}) {
    if (!file->empty() && !ReadFile(*file).has_value()) {
      problems.push_back(absl::StrCat("tls: cannot read ", *file));
    }
  }
  return t;
}

LimitOptions LimitsOf(const Proto& p) {
  const auto& l = p.limits();
  return LimitOptions{
      .max_message_bytes = l.max_message_bytes(),
      .max_metadata_bytes = l.max_metadata_bytes(),
      .max_concurrent_streams = l.max_concurrent_streams(),
      .keepalive_min_ping = std::chrono::seconds(l.keepalive_min_ping_seconds()),
      .max_connection_age = std::chrono::seconds(l.max_connection_age_seconds()),
      .max_connection_age_grace = std::chrono::seconds(l.max_connection_age_grace_seconds()),
      .max_connection_idle = std::chrono::seconds(l.max_connection_idle_seconds()),
      .max_connections = l.max_connections(),
      .max_connections_per_address = l.max_connections_per_address(),
      .handshake_timeout = std::chrono::milliseconds(l.handshake_timeout_ms()),
      .memory_quota_mb = l.memory_quota_mb(),
      .max_resets_per_second = l.max_resets_per_second()};
}

StorageOptions StorageOf(const Proto& p, Problems& problems) {
  const auto& s = p.storage();
  StorageOptions o;
  o.sqlite_path = s.has_sqlite_path() ? s.sqlite_path() : p.data_dir() + "/warden.db";
  if (s.url() != "sqlite" && !s.url().empty()) {
    o.kind = StoreKind::kPostgres;
    o.postgres_url = s.url();
    if (!absl::StartsWith(o.postgres_url, "postgres://") &&
        !absl::StartsWith(o.postgres_url, "postgresql://")) {
      problems.push_back("storage.url: must be sqlite or a postgres:// (postgresql://) URL");
    }
  }
  o.postgres_read_url = s.postgres_read_url();
  if (!o.postgres_read_url.empty() && o.kind != StoreKind::kPostgres) {
    problems.push_back("storage.postgres_read_url: needs a PostgreSQL --store");
  }
  o.postgres_pool_size = s.postgres_pool_size();
  o.postgres_acquire_timeout = std::chrono::milliseconds(s.postgres_acquire_timeout_ms());
  o.postgres_statement_timeout = std::chrono::milliseconds(s.postgres_statement_timeout_ms());
  o.migrate_on_start = s.migrate_on_start();
  o.revocation_sync = std::chrono::milliseconds(s.revocation_sync_ms());
  o.redis_url = s.redis_url();
  if (!o.redis_url.empty() && !absl::StartsWith(o.redis_url, "redis://") &&
      !absl::StartsWith(o.redis_url, "unix://")) {
    problems.push_back(
        "storage.redis_url: must be redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///path");
  }
  o.redis_shared_limits = s.redis_shared_limits();
  o.redis_timeout = std::chrono::milliseconds(s.redis_timeout_ms());
  return o;
}

WorkerOptions WorkersOf(const Proto& p) {
  const auto& w = p.workers();
  return WorkerOptions{.hash_threads = w.has_hash_threads()
                                           ? w.hash_threads()
                                           : std::max(1u, std::thread::hardware_concurrency()),
                       .hash_queue = w.hash_queue(),
                       .hash_priority = ValueOf(kHashPriorities, w.hash_priority()),
                       .io_threads = w.io_threads(),
                       .io_queue = w.io_queue()};
}

TokenOptions TokensOf(const Proto& p, const ConfigSources& sources, Problems& problems) {
  auto env = [&](const char* name) -> std::optional<std::string> {
    auto it = sources.environment.find(name);
    return it == sources.environment.end() ? std::nullopt : std::optional(it->second);
  };
  const auto& token = p.token();
  TokenOptions t;
  t.auth.issuer = token.issuer();
  t.auth.audience = token.audience();
  if (t.auth.issuer.empty()) {
    problems.push_back("token.issuer: must not be empty");
  }
  if (t.auth.audience.empty()) {
    problems.push_back("token.audience: must not be empty");
  }
  t.auth.access_ttl = std::chrono::seconds(token.access_ttl_seconds());
  t.auth.refresh_ttl = std::chrono::seconds(token.refresh_ttl_seconds());
  t.auth.refresh_reuse_grace = std::chrono::seconds(token.refresh_reuse_grace_seconds());
  t.auth.leeway = std::chrono::seconds(token.leeway_seconds());
  t.auth.refresh_policy = ValueOf(kRefreshPolicies, token.refresh_rotation());
  t.rotation_period = std::chrono::seconds(token.rotation_period_seconds());
  t.jwks_max_age = std::chrono::seconds(token.jwks_max_age_seconds());
  if (t.rotation_period < 4 * t.jwks_max_age) {
    problems.push_back(
        "token.rotation_period_seconds: must be at least 60 and 4 x jwks_max_age_seconds");
  }

  // Signing: JWT_SECRET_KEY (the seed's variable) selects HS256.
  std::optional<std::string> secret = env("WARDEN_HS256_SECRET");
  if (!secret.has_value()) {
    secret = env("JWT_SECRET_KEY");
  }
  if (token.has_hs256_secret_file()) {
    if (std::optional<std::string> text = ReadFile(token.hs256_secret_file())) {
      secret = TrimTrailingNewlines(*text);
    } else {
      problems.push_back(
          absl::StrCat("hs256_secret_file: cannot read ", token.hs256_secret_file()));
    }
  }
  t.algorithm = token.has_algorithm()
                    ? ValueOf(kAlgorithms, token.algorithm())
                    : (secret.has_value() ? JwtAlgorithm::kHs256 : JwtAlgorithm::kEs256);
  t.signing_key_file = token.signing_key_file();
  std::optional<std::string> master_key = env("WARDEN_MASTER_KEY");
  if (token.has_master_key_file()) {
    if (std::optional<std::string> text = ReadFile(token.master_key_file())) {
      master_key = *text;
    } else {
      problems.push_back(absl::StrCat("master_key_file: cannot read ", token.master_key_file()));
    }
  }
  t.master_key = master_key.value_or("");
  if (t.algorithm == JwtAlgorithm::kHs256) {
    t.signing = SigningMode::kHs256;
    if (!secret.has_value() || secret->empty()) {
      if (!p.dev()) {
        problems.push_back(
            "token.algorithm HS256: needs a secret in JWT_SECRET_KEY, WARDEN_HS256_SECRET or "
            "hs256_secret_file");
      }
    } else {
      t.hs256_secret = *secret;
      if (t.hs256_secret.size() < 32 && !p.dev()) {
        problems.push_back("HS256 secret: must be at least 32 bytes (outside --dev)");
      }
    }
  } else if (secret.has_value()) {
    problems.push_back(absl::StrCat("token.algorithm ", JwtAlgorithmName(t.algorithm),
                                    " conflicts with the HS256 secret that is set"));
  } else if (!t.signing_key_file.empty()) {
    t.signing = SigningMode::kStaticKey;
  } else if (!t.master_key.empty() || p.dev()) {
    t.signing = SigningMode::kManaged;
  } else if (sources.needs_signing_key) {
    problems.push_back(
        "no signing key configured: set --master-key-file (WARDEN_MASTER_KEY_FILE) for the "
        "managed, rotating key ring, or --signing-key-file (WARDEN_SIGNING_KEY_FILE), or "
        "JWT_SECRET_KEY for HS256, or run with --dev to generate keys under --data-dir");
  }
  return t;
}

AdmissionOptions AdmissionOf(const Proto& p, Problems& problems) {
  AdmissionOptions a;
  if (!p.policy_file().empty()) {
    a.policy_file = p.policy_file();
    ApplyPolicyFile(a.policy_file, a.policy, problems);
  }
  for (absl::string_view cidr : absl::StrSplit(p.trusted_proxies(), ',', absl::SkipWhitespace())) {
    a.trusted_proxies.emplace_back(absl::StripAsciiWhitespace(cidr));
  }
  const auto& login = p.login_protection();
  auto& protection = a.login_protection;
  protection.free_failures = static_cast<int>(login.free_failures());
  protection.lockout_after = static_cast<int>(login.lockout_after());
  protection.lockout = std::chrono::seconds(login.lockout_seconds());
  protection.hourly_cap = static_cast<int>(login.hourly_cap());
  protection.peer_failures = static_cast<int>(login.peer_lockout_after());
  protection.peer_window = std::chrono::seconds(login.peer_lockout_seconds());
  if (protection.lockout_after > 0 && protection.lockout.count() == 0) {
    problems.push_back("login_protection.lockout_seconds: must be > 0");
  }
  return a;
}

// Reads the JSON file named by --config / WARDEN_CONFIG into `proto`.
void ReadConfigFile(const std::string& path, Proto& proto, Problems& problems) {
  std::optional<std::string> text = ReadFile(path);
  if (!text.has_value()) {
    problems.push_back(absl::StrCat("config file ", path, ": cannot be read"));
    return;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(*text, &proto, options);
      !parsed.ok()) {
    problems.push_back(absl::StrCat("config file ", path, ": ", std::string(parsed.message())));
  }
}

}  // namespace

const char* JwtAlgorithmName(JwtAlgorithm algorithm) {
  for (const auto& entry : kAlgorithms) {
    if (entry.value == algorithm) {
      return entry.name;
    }
  }
  return "ES256";
}

const flags::FlagSet& ServerFlags() { return FlagSetOf(); }

std::string ServerUsage() {
  return absl::StrCat(
      "usage: wardend [COMMAND] [flags]\n\n"
      "Every flag may also be set by its environment variable, or in the JSON file named by\n"
      "--config (WARDEN_CONFIG). Precedence: flag > environment > file > default.\n\n",
      ServerFlags().Usage(),
      "\nSecrets: JWT_SECRET_KEY or WARDEN_HS256_SECRET (environment only) select HS256 with that "
      "secret.\n");
}

std::string ConfigurationReferenceMarkdown() {
  std::string out =
      "| Flag | Environment | JSON field | Default | Meaning |\n|---|---|---|---|---|\n"
      "| `--config FILE` | `WARDEN_CONFIG` | | | JSON configuration file (schema: "
      "`proto/warden/config/v1/server_config.proto`) |\n";
  for (const Setting& s : Settings()) {
    const flags::Flag& flag = *ServerFlags().Find(s.flag);
    std::string default_cell;
    if (s.default_value != nullptr) {
      default_cell = absl::StrCat("`", s.default_value, "`");
    } else if (s.computed != nullptr) {
      default_cell = s.computed;
    }
    absl::StrAppend(&out, "| `--", flag.name, flag.is_switch() ? "" : " VALUE", "` | `", s.env,
                    "` | `", s.field, "` | ", absl::StrReplaceAll(default_cell, {{"|", "\\|"}}),
                    " | ", absl::StrReplaceAll(flag.help, {{"|", "\\|"}}), " |\n");
  }
  return out;
}

absl::StatusOr<ServerConfig> LoadServerConfig(const ConfigSources& sources) {
  Problems problems;
  auto env = [&](const char* name) -> std::optional<std::string> {
    auto it = sources.environment.find(name);
    return it == sources.environment.end() ? std::nullopt : std::optional(it->second);
  };
  const flags::Parsed parsed = ServerFlags().Parse(sources.args);
  if (parsed.help) {
    return absl::CancelledError(ServerUsage());
  }
  problems.insert(problems.end(), parsed.problems.begin(), parsed.problems.end());

  // Defaults < file < environment < flags, each applied over the last.
  Proto merged;
  std::optional<std::string> config_path = parsed.Get(kConfigFlag);
  if (!config_path.has_value()) {
    config_path = env("WARDEN_CONFIG");
  }
  if (config_path.has_value()) {
    if (config_path->empty()) {
      problems.push_back("--config: needs a file path");
    } else {
      ReadConfigFile(*config_path, merged, problems);
    }
  }
  for (const Setting& s : Settings()) {
    if (std::optional<std::string> value = env(s.env)) {
      if (auto problem = SetFromText(merged, s, *value)) {
        problems.push_back(absl::StrCat(s.env, ": ", *problem));
      }
    }
  }
  for (const Setting& s : Settings()) {
    if (std::optional<std::string> value = parsed.Get(s.flag)) {
      if (auto problem = SetFromText(merged, s, *value)) {
        problems.push_back(absl::StrCat("--", s.flag, ": ", *problem));
      }
    }
  }
  // The seed's variables name files when nothing else does (its server requires client
  // certificates signed by TLS_CA_FILE).
  auto* tls = merged.mutable_tls();
  auto* token = merged.mutable_token();
  using Fallback = std::tuple<const char*, bool, std::function<void(const std::string&)>>;
  for (const auto& [variable, has, set] : std::vector<Fallback>{
           {"TLS_CERT_FILE", tls->has_cert_file(), [tls](auto& v) { tls->set_cert_file(v); }},
           {"TLS_KEY_FILE", tls->has_key_file(), [tls](auto& v) { tls->set_key_file(v); }},
           {"TLS_CA_FILE", tls->has_client_ca_file(),
            [tls](auto& v) { tls->set_client_ca_file(v); }},
           {"JWT_SECRET_KEY_FILE", token->has_hs256_secret_file(),
            [token](auto& v) { token->set_hs256_secret_file(v); }}}) {
    if (std::optional<std::string> value = env(variable); value.has_value() && !has) {
      set(*value);
    }
  }
  for (const Setting& s : Settings()) {
    FieldRef ref = Resolve(merged, s.field);
    if (s.default_value != nullptr &&
        !ref.message->GetReflection()->HasField(*ref.message, ref.field)) {
      SetFromText(merged, s, s.default_value);
    }
    if (auto problem = CheckValue(merged, s)) {
      problems.push_back(absl::StrCat(s.field, " (--", s.flag, "): ", *problem));
    }
  }

  ServerConfig config;
  config.data_dir = merged.data_dir();
  if (config.data_dir.empty()) {
    problems.push_back("data_dir: must not be empty");
  }
  config.dev = merged.dev();
  config.observability = ObservabilityOf(merged, sources, problems);
  config.transport = TransportOf(merged, config.dev, problems);
  config.tls = TlsOf(merged, problems);
  config.limits = LimitsOf(merged);
  config.storage = StorageOf(merged, problems);
  config.workers = WorkersOf(merged);
  config.tokens = TokensOf(merged, sources, problems);
  config.admission = AdmissionOf(merged, problems);
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
  }
  return config;
}

}  // namespace warden::config
