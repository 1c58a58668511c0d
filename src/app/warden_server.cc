#include "app/warden_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <google/protobuf/stubs/logging.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "observability/access_log.h"

namespace warden::app {
namespace {

constexpr char kAuthServiceName[] = "auth.AuthService";
constexpr int kMaxReceiveMessageBytes = 64 * 1024;
constexpr auto kProbeInterval = std::chrono::seconds(5);

// Reads the dev master key under the data dir, creating it (0600) on first use.
absl::StatusOr<crypto::MasterKey> DevMasterKey(const std::string& data_dir) {
  const std::string path = data_dir + "/master.key";
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<crypto::MasterKey> key = crypto::MasterKey::FromBase64(text.str());
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", key.status().message()));
    }
    return key;
  }
  crypto::MasterKey key = crypto::MasterKey::Generate();
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  const std::string text = key.ToBase64() + "\n";
  if (fd < 0 || write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      fsync(fd) != 0) {
    if (fd >= 0) {
      close(fd);
    }
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  close(fd);
  spdlog::warn("dev mode: generated a master key at {}; do not use in production", path);
  return key;
}

// Returns the HS256 secret: the configured one, or in dev mode a random one kept in the data dir.
absl::StatusOr<std::string> Hs256Secret(const config::ServerConfig& config) {
  if (!config.hs256_secret.empty()) {
    if (config.dev && config.hs256_secret.size() < 32) {
      spdlog::warn("dev mode: HS256 secret shorter than 32 bytes accepted; refused outside --dev");
    }
    return config.hs256_secret;
  }
  const std::string path = config.data_dir + "/hs256.secret";
  std::ifstream in(path, std::ios::binary);
  std::string secret;
  if (in && std::getline(in, secret) && secret.size() >= 32) {
    return secret;
  }
  crypto::SodiumRandomSource random;
  secret = absl::WebSafeBase64Escape(random.Bytes(32));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << secret << "\n";
  out.close();
  chmod(path.c_str(), 0600);
  if (!out) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  spdlog::warn("dev mode: generated an HS256 secret at {}", path);
  return secret;
}

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

WardenServer::WardenServer(const config::ServerConfig& config) : config_(config) {}

absl::StatusOr<std::unique_ptr<WardenServer>> WardenServer::Start(
    const config::ServerConfig& config) {
  std::unique_ptr<WardenServer> server(new WardenServer(config));
  if (absl::Status built = server->Build(); !built.ok()) {
    return built;
  }
  return server;
}

absl::Status WardenServer::Build() {
  google::protobuf::SetLogHandler(&ProtobufLogToDebug);
  if (!crypto::InitSodium()) {
    return absl::InternalError("libsodium could not be initialised");
  }
  std::error_code error;
  if (std::filesystem::create_directories(config_.data_dir, error)) {
    chmod(config_.data_dir.c_str(), 0700);  // keys and password hashes live here
  }
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create data dir ", config_.data_dir, ": ", error.message()));
  }

  absl::StatusOr<std::unique_ptr<storage::SqliteDatabase>> database =
      storage::SqliteDatabase::Open({.path = config_.sqlite_path});
  if (!database.ok()) {
    return database.status();
  }
  database_ = *std::move(database);
  chmod(config_.sqlite_path.c_str(), 0600);  // SQLite gives -wal and -shm the same mode
  users_ = std::make_unique<storage::SqliteUserStore>(*database_);
  sessions_ = std::make_unique<storage::SqliteSessionStore>(*database_);
  signing_keys_ = std::make_unique<storage::SqliteSigningKeyStore>(*database_);
  audit_store_ = std::make_unique<storage::SqliteAuditStore>(*database_);
  audit_writer_ = std::make_unique<observability::AuditWriter>(
      *audit_store_, observability::AuditWriter::Options{});
  audit_writer_->Start();
  if (absl::Status keys = BuildKeyRing(); !keys.ok()) {
    return keys;
  }
  hasher_ =
      std::make_unique<crypto::Argon2idPasswordHasher>(crypto::Argon2idPasswordHasher::Options{});

  core::UserStore* users = users_.get();
  core::SessionStore* sessions = sessions_.get();
  if (config_.metrics) {
    auth_metrics_ = std::make_unique<observability::AuthMetrics>(*registry_);
    store_metrics_ = std::make_unique<observability::StoreMetrics>(*registry_, clock_);
    metered_users_ = std::make_unique<observability::MeteredUserStore>(*users_, *store_metrics_);
    metered_sessions_ =
        std::make_unique<observability::MeteredSessionStore>(*sessions_, *store_metrics_);
    users = metered_users_.get();
    sessions = metered_sessions_.get();
  }
  absl::StatusOr<std::unique_ptr<core::AuthService>> auth =
      core::AuthService::Create(core::AuthService::Ports{.users = *users,
                                                         .sessions = *sessions,
                                                         .hasher = *hasher_,
                                                         .codec = *key_ring_,
                                                         .random = random_,
                                                         .token_hasher = token_hasher_,
                                                         .revocations = revocations_,
                                                         .clock = clock_,
                                                         .events = auth_metrics_.get(),
                                                         .audit = audit_writer_.get()},
                                config_.auth);
  if (!auth.ok()) {
    return auth.status();
  }
  auth_ = *std::move(auth);
  if (absl::Status loaded = auth_->LoadRevocations(); !loaded.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot load revocations: ", loaded.message()));
  }

  hash_pool_ = std::make_unique<WorkerPool>(WorkerPool::Options{
      .name = "hash", .threads = config_.hash_threads, .max_queue = config_.hash_queue});
  io_pool_ = std::make_unique<WorkerPool>(WorkerPool::Options{
      .name = "io", .threads = config_.io_threads, .max_queue = config_.io_queue});
  // The observing interceptor (access log / spans) is installed when either is on; it removes
  // the principal trailer, so only then may handlers add it.
  const bool observed = config_.access_log != "off" || !config_.otlp_endpoint.empty();
  auth_service_ =
      std::make_unique<server::AuthGrpcService>(*auth_, *hash_pool_, *io_pool_, observed);

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(auth_service_.get());
  builder.RegisterService(&health_);
  key_service_ = std::make_unique<server::KeyGrpcService>([this] { return key_ring_->JwksJson(); },
                                                          config_.jwks_max_age);
  builder.RegisterService(key_service_.get());
  revocation_service_ = std::make_unique<server::RevocationGrpcService>(revocations_);
  builder.RegisterService(revocation_service_.get());
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  if (config_.metrics) {
    grpc_metrics_ = std::make_unique<observability::GrpcServerMetrics>(*registry_);
    for (const char* service :
         {kAuthServiceName, "warden.v1.KeyService", "warden.v1.RevocationService",
          "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}) {
      grpc_metrics_->RegisterService(service);
    }
    interceptors.push_back(
        std::make_unique<observability::MetricsInterceptorFactory>(*grpc_metrics_, clock_));
    prometheus::BuildGauge()
        .Name("warden_build_info")
        .Help("Always 1; the labels say which build is running.")
        .Register(*registry_)
        .Add({{"version", WARDEN_VERSION}})
        .Set(1);
  }
  if (!config_.otlp_endpoint.empty()) {
    span_exporter_ = std::make_unique<observability::SpanExporter>(
        observability::SpanExporter::Options{.endpoint = config_.otlp_endpoint});
    span_exporter_->Start();
  }
  if (config_.access_log != "off" || span_exporter_ != nullptr) {
    interceptors.push_back(std::make_unique<observability::AccessLogInterceptorFactory>(
        observability::AccessLogInterceptorFactory::Options{
            .mode = config_.access_log == "errors"
                        ? observability::AccessLogInterceptorFactory::Mode::kErrors
                    : config_.access_log == "off"
                        ? observability::AccessLogInterceptorFactory::Mode::kOff
                        : observability::AccessLogInterceptorFactory::Mode::kAll,
            .sample_rate = config_.access_log_sample_percent / 100.0,
            .exporter = span_exporter_.get()},
        clock_));
  }
  if (!interceptors.empty()) {
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen));
  }
  if (absl::Status http = StartHttp(); !http.ok()) {
    return http;
  }
  health_.SetServing("", true);
  health_.SetServing(kAuthServiceName, true);
  prober_ = std::make_unique<server::HealthProber>(
      health_, [this] { return users_->Ping(); },
      [this] {
        TickKeyRotation();
        absl::StatusOr<int64_t> purged = auth_->PurgeExpired();
        if (!purged.ok()) {
          spdlog::warn("housekeeping failed: {}", std::string(purged.status().message()));
        } else if (*purged > 0) {
          spdlog::debug("housekeeping deleted {} expired rows", *purged);
        }
      },
      server::HealthProber::Options{.interval = kProbeInterval,
                                    .services = {"", kAuthServiceName}});
  prober_->Start();
  return absl::OkStatus();
}

absl::Status WardenServer::BuildKeyRing() {
  using Mode = config::ServerConfig::SigningMode;
  if (config_.signing_mode == Mode::kHs256) {
    absl::StatusOr<std::string> secret = Hs256Secret(config_);
    if (!secret.ok()) {
      return secret.status();
    }
    key_ring_ = crypto::KeyRing::Fixed(crypto::SigningKey::FromSecret(*secret));
    signing_since_seconds_.store(
        std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch())
            .count());
    return absl::OkStatus();
  }
  if (config_.signing_mode == Mode::kStaticKey) {
    absl::StatusOr<crypto::SigningKey> key =
        crypto::SigningKey::FromPemFile(config_.signing_key_file);
    if (!key.ok()) {
      return key.status();
    }
    if (crypto::JwtAlgorithmName(key->algorithm()) != config_.jwt_algorithm) {
      return absl::InvalidArgumentError(absl::StrCat(
          config_.signing_key_file, ": key is for ", crypto::JwtAlgorithmName(key->algorithm()),
          " but token.algorithm is ", config_.jwt_algorithm));
    }
    spdlog::info("signing with the fixed key {} (kid {})", config_.signing_key_file, key->kid());
    key_ring_ = crypto::KeyRing::Fixed(*std::move(key));
    signing_since_seconds_.store(
        std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch())
            .count());
    return absl::OkStatus();
  }
  absl::StatusOr<crypto::MasterKey> master =
      config_.master_key.empty() ? DevMasterKey(config_.data_dir)
                                 : crypto::MasterKey::FromBase64(config_.master_key);
  if (!master.ok()) {
    return master.status();
  }
  key_ring_ = std::make_unique<crypto::KeyRing>(*std::move(master));
  key_rotation_ = std::make_unique<core::KeyRotation>(
      core::KeyRotation::Ports{
          .store = *signing_keys_, .factory = *key_ring_, .installer = *key_ring_, .clock = clock_},
      core::KeyRotation::Options{
          .algorithm = config_.jwt_algorithm,
          .schedule = {.rotation_period = config_.rotation_period,
                       .publish_ahead = 2 * config_.jwks_max_age,
                       .retire_after = config_.auth.access_ttl + config_.auth.leeway}});
  absl::StatusOr<core::KeyRotation::TickResult> first = key_rotation_->Tick();
  if (!first.ok()) {
    return absl::Status(first.status().code(),
                        absl::StrCat("signing keys: ", first.status().message()));
  }
  signing_since_seconds_.store(
      std::chrono::duration_cast<std::chrono::seconds>(first->signing_since.time_since_epoch())
          .count());
  spdlog::info("managed key ring: {} signs; {} key(s) published{}", first->signing_kid,
               first->trusted_kids.size(), first->created ? " (created a key)" : "");
  return absl::OkStatus();
}

void WardenServer::TickKeyRotation() {
  if (key_rotation_ == nullptr) {
    return;
  }
  absl::StatusOr<core::KeyRotation::TickResult> tick = key_rotation_->Tick();
  if (!tick.ok()) {
    // Keep signing with the installed keys; the next tick retries.
    spdlog::error("key rotation: {}", std::string(tick.status().message()));
    return;
  }
  signing_since_seconds_.store(
      std::chrono::duration_cast<std::chrono::seconds>(tick->signing_since.time_since_epoch())
          .count());
  if (tick->created) {
    audit_writer_->Record(core::AuditEvent{
        .at = clock_.WallNow(), .type = "key_rotated", .detail = "scheduled the next signing key"});
    spdlog::info("key rotation: scheduled a new signing key; published set now {} key(s)",
                 tick->trusted_kids.size());
  }
  if (tick->trust_removed) {
    auth_->ForgetVerifiedTokens();
    spdlog::info("key rotation: a key left the published set; {} signs", tick->signing_kid);
  }
}

absl::Status WardenServer::StartHttp() {
  if (config_.http_listen.empty()) {
    return absl::OkStatus();
  }
  http_ = std::make_unique<server::HttpServer>(
      server::HttpServer::Options{.listen = config_.http_listen, .threads = 2});
  const std::string cache_control = absl::StrCat("public, max-age=", config_.jwks_max_age.count());
  http_->Route("/.well-known/jwks.json", [this, cache_control] {
    return server::HttpResponse{.status = 200,
                                .content_type = "application/jwk-set+json",
                                .body = key_ring_->JwksJson(),
                                .headers = {{"Cache-Control", cache_control}}};
  });
  http_->Route("/.well-known/openid-configuration", [this, cache_control] {
    return server::HttpResponse{.status = 200,
                                .content_type = "application/json",
                                .body = DiscoveryDocument(),
                                .headers = {{"Cache-Control", cache_control}}};
  });
  if (config_.metrics) {
    http_->Route("/metrics", [this] {
      if (auth_metrics_ != nullptr) {
        auth_metrics_->hash_queue_depth().Set(static_cast<double>(hash_pool_->PendingForTest()));
        auth_metrics_->io_queue_depth().Set(static_cast<double>(io_pool_->PendingForTest()));
        const int64_t since = signing_since_seconds_.load();
        const int64_t now =
            std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch())
                .count();
        auth_metrics_->signing_key_age().Set(since > 0 ? static_cast<double>(now - since) : 0);
      }
      return server::HttpResponse{
          .status = 200,
          .content_type = "text/plain; version=0.0.4; charset=utf-8",
          .body = prometheus::TextSerializer().Serialize(registry_->Collect())};
    });
  }
  http_->Route("/healthz", [] { return server::HttpResponse{.status = 200, .body = "ok\n"}; });
  http_->Route("/readyz", [this] {
    const bool serving =
        health_.StatusOf(kAuthServiceName) == ::grpc::health::v1::HealthCheckResponse::SERVING;
    return server::HttpResponse{.status = serving ? 200 : 503,
                                .body = serving ? "SERVING\n" : "NOT_SERVING\n"};
  });
  if (absl::Status started = http_->Start(); !started.ok()) {
    return started;
  }
  const std::string host = config_.http_listen.substr(0, config_.http_listen.rfind(':'));
  public_url_ = config_.public_url.empty() ? absl::StrCat("http://", host, ":", http_->port())
                                           : config_.public_url;
  while (!public_url_.empty() && public_url_.back() == '/') {
    public_url_.pop_back();
  }
  return absl::OkStatus();
}

std::string WardenServer::DiscoveryDocument() const {
  nlohmann::json algorithms = key_ring_->Algorithms();
  return nlohmann::json{
      {"issuer", config_.auth.issuer},
      {"jwks_uri", public_url_ + "/.well-known/jwks.json"},
      {"id_token_signing_alg_values_supported", algorithms},
      {"token_endpoint_auth_signing_alg_values_supported", algorithms},
      {"response_types_supported", nlohmann::json::array({"token"})},
      {"subject_types_supported", nlohmann::json::array({"public"})},
      {"grant_types_supported", nlohmann::json::array({"password", "refresh_token"})},
  }
      .dump();
}

void WardenServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  std::call_once(shutdown_once_, [this, deadline] {
    if (prober_ != nullptr) {
      prober_->Stop();
    }
    health_.Shutdown();
    revocation_service_->Shutdown();
    if (http_ != nullptr) {
      http_->Stop();
    }
    server_->Shutdown(deadline);
    hash_pool_->Stop();
    io_pool_->Stop();
    audit_writer_->Stop();  // after the last call that could record an event
    if (span_exporter_ != nullptr) {
      span_exporter_->Stop();
    }
  });
}

void WardenServer::Wait() { server_->Wait(); }

WardenServer::~WardenServer() {
  if (server_ != nullptr) {
    Shutdown(std::chrono::system_clock::now());
  }
}

int RunServer(const config::ServerConfig& config) {
  // Block the stop signals in every thread; this one waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<WardenServer>> server = WardenServer::Start(config);
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", std::string(server.status().message()));
    return server.status().code() == absl::StatusCode::kInvalidArgument ||
                   server.status().code() == absl::StatusCode::kNotFound
               ? 2
               : 1;
  }
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  if ((*server)->http_port() != 0) {
    spdlog::info("HTTP listening on {}:{} (JWKS at {}/.well-known/jwks.json)",
                 config.http_listen.substr(0, config.http_listen.rfind(':')),
                 (*server)->http_port(), (*server)->public_url());
  }
  // Last: tools wait for this line.
  spdlog::info(
      "listening on {}:{} (gRPC: auth.AuthService, warden.v1.KeyService, "
      "warden.v1.RevocationService, grpc.health.v1.Health, reflection)",
      host, (*server)->port());
  if (config.dev) {
    spdlog::warn("dev mode is on: keys under {} were made for development", config.data_dir);
  }
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("received {}, draining for up to {}s", signal == SIGTERM ? "SIGTERM" : "SIGINT",
               config.drain.count());
  (*server)->Shutdown(std::chrono::system_clock::now() + config.drain);
  spdlog::info("stopped");
  return 0;
}

}  // namespace warden::app
