#include "config/server_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/testing/status_matchers.h"

namespace warden::config {
namespace {

using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path =
      (std::filesystem::temp_directory_path() / absl::StrCat("warden-cfg-", getpid(), "-", name))
          .string();
  std::ofstream(path) << content;
  return path;
}

TEST(LoadServerConfigTest, DevModeNeedsNoKeyAndHasDefaults) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig({.args = {"--dev"}});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->transport.listen, "127.0.0.1:50051");
  EXPECT_EQ(config->data_dir, "./data");
  EXPECT_EQ(config->storage.sqlite_path, "./data/warden.db");
  EXPECT_EQ(config->tokens.algorithm, JwtAlgorithm::kEs256);
  EXPECT_EQ(config->tokens.auth.access_ttl, std::chrono::seconds(900));
  EXPECT_TRUE(config->dev);
}

TEST(LoadServerConfigTest, RefusesToStartWithoutAKeyOutsideDev) {
  EXPECT_THAT(LoadServerConfig({}),
              StatusIs(absl::StatusCode::kInvalidArgument, "no signing key configured"));
}

TEST(LoadServerConfigTest, ACommandThatNeverSignsNeedsNoKey) {
  // `wardend migrate` in a Kubernetes Job gets only the store.
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      {.args = {"--store", "postgres://warden@db:5432/warden"}, .needs_signing_key = false});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->storage.postgres_url, "postgres://warden@db:5432/warden");
}

TEST(LoadServerConfigTest, FlagsBeatEnvironmentBeatFile) {
  const std::string file =
      WriteTemp("precedence.json",
                R"({"listen":"127.0.0.1:1","dataDir":"/from-file","token":{"issuer":"file-iss"}})");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      {.environment = {{"WARDEN_LISTEN", "127.0.0.1:2"}, {"WARDEN_ISSUER", "env-iss"}},
       .args = {"--config", file, "--listen=127.0.0.1:3", "--dev"}});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->transport.listen, "127.0.0.1:3");
  EXPECT_EQ(config->tokens.auth.issuer, "env-iss");
  EXPECT_EQ(config->data_dir, "/from-file");
  std::filesystem::remove(file);
}

TEST(LoadServerConfigTest, ListsEveryProblemAtOnce) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      {.environment = {{"WARDEN_ACCESS_TTL_SECONDS", "0"}},
       .args = {"--listen", "nonsense", "--log-level=loud", "--bogus", "--drain-seconds=x"}});
  ASSERT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("listen"));
  EXPECT_THAT(message, HasSubstr("log_level"));
  EXPECT_THAT(message, HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(message, HasSubstr("--drain-seconds"));
  EXPECT_THAT(message, HasSubstr("access_ttl_seconds"));
  EXPECT_THAT(message, HasSubstr("no signing key"));
}

TEST(LoadServerConfigTest, FileRejectsUnknownFields) {
  const std::string file = WriteTemp("unknown.json", R"({"listen":"127.0.0.1:1","lisen":"x"})");
  EXPECT_THAT(LoadServerConfig({.args = {"--dev", "--config=" + file}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "lisen"));
  std::filesystem::remove(file);
}

TEST(LoadServerConfigTest, SeedSecretSelectsHs256AndMustBeLong) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({.environment = {{"JWT_SECRET_KEY", std::string(32, 's')}}});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->tokens.algorithm, JwtAlgorithm::kHs256);
  EXPECT_EQ(config->tokens.hs256_secret, std::string(32, 's'));
  EXPECT_THAT(LoadServerConfig({.environment = {{"JWT_SECRET_KEY", "your-secret-key"}}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "at least 32 bytes"));
  EXPECT_THAT(LoadServerConfig({.environment = {{"JWT_SECRET_KEY", "short"}}, .args = {"--dev"}}),
              IsOk());
}

TEST(LoadServerConfigTest, SecretFileIsReadAndTrimmed) {
  const std::string file = WriteTemp("secret", std::string(40, 'k') + "\n");
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({.environment = {{"JWT_SECRET_KEY_FILE", file}}});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->tokens.hs256_secret, std::string(40, 'k'));
  std::filesystem::remove(file);
}

TEST(LoadServerConfigTest, SecretsNeverAppearInErrors) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      {.environment = {{"JWT_SECRET_KEY", "hunter2-is-short"}}, .args = {"--listen=bad"}});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), ::testing::Not(HasSubstr("hunter2")));
}

TEST(LoadServerConfigTest, ObservabilitySettings) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({.environment = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/"}},
                        .args = {"--dev", "--access-log=errors", "--access-log-sample-percent=10",
                                 "--log-format=text", "--metrics=false"}});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->observability.otlp_endpoint, "http://127.0.0.1:4318/v1/traces");
  EXPECT_EQ(config->observability.access_log, AccessLog::kErrors);
  EXPECT_EQ(config->observability.access_log_sample_percent, 10u);
  EXPECT_EQ(config->observability.log_format, LogFormat::kText);
  EXPECT_FALSE(config->observability.metrics);
  EXPECT_EQ(LoadServerConfig({.args = {"--dev"}})->transport.http_listen, "127.0.0.1:8080");
  EXPECT_EQ(LoadServerConfig({.environment = {{"WARDEN_MASTER_KEY", "x"}}})->transport.http_listen,
            "");
  absl::StatusOr<ServerConfig> bad = LoadServerConfig(
      {.args = {"--dev", "--access-log=some", "--access-log-sample-percent=101", "--log-format=xml",
                "--otlp-endpoint=ftp://x", "--rotation-period-seconds=10"}});
  ASSERT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string message(bad.status().message());
  for (const char* field : {"access_log", "access_log_sample_percent", "log_format",
                            "otlp_endpoint", "rotation_period_seconds"}) {
    EXPECT_THAT(message, HasSubstr(field));
  }
}

TEST(LoadServerConfigTest, SigningModeFollowsWhatIsConfigured) {
  EXPECT_EQ(LoadServerConfig({.args = {"--dev"}})->tokens.signing, SigningMode::kManaged);
  EXPECT_EQ(LoadServerConfig({.args = {"--signing-key-file=/k.pem"}})->tokens.signing,
            SigningMode::kStaticKey);
  EXPECT_EQ(
      LoadServerConfig({.environment = {{"JWT_SECRET_KEY", std::string(32, 's')}}})->tokens.signing,
      SigningMode::kHs256);
}

TEST(LoadServerConfigTest, HelpReturnsUsage) {
  EXPECT_THAT(LoadServerConfig({.args = {"--help"}}),
              StatusIs(absl::StatusCode::kCancelled, "--listen"));
}

TEST(LoadServerConfigTest, TlsFromFlagsOrTheSeedsVariables) {
  const std::string cert = WriteTemp("cert.pem", "cert");
  const std::string key = WriteTemp("key.pem", "key");
  const std::string ca = WriteTemp("ca.pem", "ca");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      {.environment = {{"TLS_CERT_FILE", cert}, {"TLS_KEY_FILE", key}, {"TLS_CA_FILE", ca}},
       .args = {"--dev"}});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->tls.cert_file, cert);
  EXPECT_EQ(config->tls.key_file, key);
  EXPECT_EQ(config->tls.client_ca_file, ca);
  EXPECT_TRUE(config->tls.client_auth == ClientAuth::kRequire);
  EXPECT_THAT(LoadServerConfig({.args = {"--dev", "--tls-cert", cert}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "go together"));
  EXPECT_THAT(
      LoadServerConfig({.args = {"--dev", "--tls-cert", cert, "--tls-key", "/nonexistent"}}),
      StatusIs(absl::StatusCode::kInvalidArgument, "cannot read /nonexistent"));
  EXPECT_THAT(LoadServerConfig({.args = {"--dev", "--tls-cert", cert, "--tls-key", key,
                                         "--tls-client-ca", ca, "--tls-client-auth", "maybe"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "require or optional"));
}

TEST(LoadServerConfigTest, PolicyFileOverridesBuiltInRules) {
  const std::string policy =
      WriteTemp("policy.json",
                R"({"methods": {"/auth.AuthService/Login": {"access": "public",
                                                  "per_peer": {"per_second": 2, "burst": 4}}},
          "roles": {"support": {"permissions": ["users:read"]}}})");
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({.args = {"--dev", "--policy-file", policy, "--trusted-proxies",
                                 "10.0.0.0/8, 192.168.0.0/16"}});
  ASSERT_THAT(config, IsOk());
  const core::MethodRule* login = config->admission.policy.RuleFor("/auth.AuthService/Login");
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login->per_peer.per_second, 2);
  EXPECT_EQ(login->per_peer.burst, 4);
  EXPECT_NE(config->admission.policy.RuleFor("/warden.v1.AdminService/ListUsers"),
            nullptr);  // kept
  const core::Principal support{.roles = {"support"}};
  EXPECT_TRUE(config->admission.policy.HasPermission(support, "users:read"));
  EXPECT_EQ(config->admission.trusted_proxies,
            (std::vector<std::string>{"10.0.0.0/8", "192.168.0.0/16"}));
  const std::string bad = WriteTemp("bad.json", R"({"methods": {"/x.Y/Z": {"acess": "public"}}})");
  EXPECT_THAT(LoadServerConfig({.args = {"--dev", "--policy-file", bad}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "policy file"));
}

TEST(LoadServerConfigTest, LimitsAndLoginProtectionAreValidated) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({.args = {"--dev", "--lockout-after", "5", "--lockout-seconds", "60",
                                 "--max-connection-age-seconds", "120", "--hash-priority", "low"}});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->admission.login_protection.lockout_after, 5);
  EXPECT_EQ(config->admission.login_protection.lockout, std::chrono::seconds(60));
  EXPECT_EQ(config->limits.max_connection_age, std::chrono::seconds(120));
  EXPECT_EQ(config->workers.hash_priority, HashPriority::kLow);
  EXPECT_THAT(LoadServerConfig({.args = {"--dev", "--login-hourly-cap", "500"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "ASVS"));
  EXPECT_THAT(LoadServerConfig({.args = {"--dev", "--max-message-bytes", "10"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "max_message_bytes"));
}

TEST(LoadServerConfigTest, ScaleOutSettings) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig(
      {.environment = {{"WARDEN_REDIS_TIMEOUT_MS", "20"}},
       .args = {"--dev", "--store", "postgres://db/warden", "--postgres-read-url",
                "postgres://replica/warden", "--redis", "redis://127.0.0.1:6379",
                "--redis-shared-limits=false", "--postgres-statement-timeout-ms", "250"}});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->storage.postgres_statement_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(config->storage.postgres_read_url, "postgres://replica/warden");
  EXPECT_EQ(config->storage.redis_timeout, std::chrono::milliseconds(20));
  EXPECT_FALSE(config->storage.redis_shared_limits);
  ASSERT_THAT(LoadServerConfig({.args = {"--dev", "--redis", "redis://h"}}), IsOk());
  EXPECT_TRUE(
      LoadServerConfig({.args = {"--dev", "--redis", "redis://h"}})->storage.redis_shared_limits);
  EXPECT_THAT(LoadServerConfig({.args = {"--dev", "--redis-timeout-ms", "0"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "redis_timeout_ms"));
  EXPECT_THAT(LoadServerConfig({.args = {"--dev", "--postgres-read-url", "postgres://r/w"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs a PostgreSQL --store"));
}

TEST(LoadServerConfigTest, DeclaredDefaultsAreTheOptionGroupsDefaults) {
  // Not --dev (it changes http_listen); a master key makes the configuration complete.
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig({.environment = {{"WARDEN_MASTER_KEY", "x"}}});
  ASSERT_THAT(config, IsOk());
  const ServerConfig defaults;
  EXPECT_EQ(config->transport, defaults.transport);
  EXPECT_EQ(config->tls, defaults.tls);
  EXPECT_EQ(config->limits, defaults.limits);
  EXPECT_EQ(config->observability, defaults.observability);
  StorageOptions storage = config->storage;
  EXPECT_EQ(storage.sqlite_path, "./data/warden.db");  // worked out from --data-dir
  storage.sqlite_path.clear();
  EXPECT_EQ(storage, defaults.storage);
  WorkerOptions workers = config->workers;
  EXPECT_GE(workers.hash_threads, 1u);  // one per core
  workers.hash_threads = defaults.workers.hash_threads;
  EXPECT_EQ(workers, defaults.workers);
  const core::AuthService::Options& auth = config->tokens.auth;
  EXPECT_EQ(auth.issuer, defaults.tokens.auth.issuer);
  EXPECT_EQ(auth.audience, defaults.tokens.auth.audience);
  EXPECT_EQ(auth.access_ttl, defaults.tokens.auth.access_ttl);
  EXPECT_EQ(auth.refresh_ttl, defaults.tokens.auth.refresh_ttl);
  EXPECT_EQ(auth.refresh_reuse_grace, defaults.tokens.auth.refresh_reuse_grace);
  EXPECT_EQ(auth.leeway, defaults.tokens.auth.leeway);
  EXPECT_EQ(auth.refresh_policy, defaults.tokens.auth.refresh_policy);
  EXPECT_EQ(config->tokens.rotation_period, defaults.tokens.rotation_period);
  EXPECT_EQ(config->tokens.jwks_max_age, defaults.tokens.jwks_max_age);
  const auto& login = config->admission.login_protection;
  const auto& login_defaults = defaults.admission.login_protection;
  EXPECT_EQ(login.free_failures, login_defaults.free_failures);
  EXPECT_EQ(login.lockout_after, login_defaults.lockout_after);
  EXPECT_EQ(login.lockout, login_defaults.lockout);
  EXPECT_EQ(login.hourly_cap, login_defaults.hourly_cap);
  EXPECT_EQ(login.peer_failures, login_defaults.peer_failures);
  EXPECT_EQ(login.peer_window, login_defaults.peer_window);
}

// Every mode flag refuses a value it does not know, naming the ones it knows, and its help
// names each of them too.
TEST(LoadServerConfigTest, EveryModeIsValidatedAndNamedInItsHelp) {
  int modes = 0;
  for (const flags::Flag& flag : ServerFlags().flags()) {
    if (flag.is_switch() || flag.name == "config") {
      continue;
    }
    absl::StatusOr<ServerConfig> config =
        LoadServerConfig({.args = {"--dev", absl::StrCat("--", flag.name, "=not-a-mode")}});
    if (config.ok()) {
      continue;  // free text (a path, a URL, a name)
    }
    const std::string message(config.status().message());
    const std::string marker = "'not-a-mode' is not ";
    const size_t at = message.find(marker);
    if (at == std::string::npos) {
      continue;  // a number, or a value checked as a whole (HOST:PORT, URL)
    }
    ++modes;
    std::string names = message.substr(at + marker.size());
    names = names.substr(0, names.find('\n'));
    for (absl::string_view name : absl::StrSplit(names, absl::ByAnyChar(", "), absl::SkipEmpty())) {
      if (name == "or") {
        continue;
      }
      EXPECT_THAT(flag.help, HasSubstr(std::string(name))) << "--" << flag.name;
    }
  }
  // Seven modes (log level and format, access log, refresh rotation, algorithm, client auth,
  // hash priority) and four shapes (three HOST:PORT listeners, the OTLP URL).
  EXPECT_EQ(modes, 11);
}

TEST(LoadServerConfigTest, SubcommandFlagsAreNotServerFlags) {
  EXPECT_THAT(LoadServerConfig({.args = {"--dev", "--username", "root"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown flag --username"));
  EXPECT_NE(ServerFlags().Find("store"), nullptr);
}

}  // namespace
}  // namespace warden::config
