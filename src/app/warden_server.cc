#include "app/warden_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/server_builder.h>
#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <google/protobuf/stubs/logging.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "app/dev_secrets.h"
#include "guard/admission_chain.h"
#include "observability/access_log.h"
#include "server/reset_budget_interceptor.h"

namespace warden::app {
namespace {

constexpr char kAuthServiceName[] = "auth.AuthService";
constexpr auto kProbeInterval = std::chrono::seconds(5);

// Returns the HS256 secret: the configured one, or in dev mode a random one kept in the data dir.
absl::StatusOr<std::string> Hs256Secret(const config::ServerConfig& config) {
  if (config.hs256_secret.empty()) {
    return DevHs256Secret(config.data_dir);
  }
  if (config.dev && config.hs256_secret.size() < 32) {
    spdlog::warn("dev mode: HS256 secret shorter than 32 bytes accepted; refused outside --dev");
  }
  return config.hs256_secret;
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

// Linking grpc++_reflection registers its plugin for every ServerBuilder in the process. This
// option takes it out of one builder: the health-only listener, or --reflection=false.
class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    std::erase_if(*plugins, [](const std::unique_ptr<grpc::ServerBuilderPlugin>& plugin) {
      return plugin->name() == "proto_server_reflection";
    });
  }
};

// TLS 1.2+ (gRPC's minimum) from certificate files that are watched and reloaded; with a client
// CA, client certificates are asked for and verified.
std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const config::ServerConfig& config) {
  if (config.tls_cert_file.empty()) {
    return grpc::InsecureServerCredentials();
  }
  const unsigned int refresh = static_cast<unsigned int>(config.tls_reload.count());
  auto provider =
      config.tls_client_ca_file.empty()
          ? std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
                config.tls_key_file, config.tls_cert_file, refresh)
          : std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
                config.tls_key_file, config.tls_cert_file, config.tls_client_ca_file, refresh);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (config.tls_client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(config.tls_require_client_cert
                                      ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                      : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

// Transport limits: message and header sizes, streams per connection, keepalive enforcement and
// connection age (so load balancers get to rebalance).
void ApplyLimits(const config::ServerConfig& config, grpc::ServerBuilder& builder) {
  auto ms = [](std::chrono::seconds s) {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(s).count());
  };
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE,
                             static_cast<int>(config.max_metadata_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(config.max_concurrent_streams));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             ms(config.keepalive_min_ping));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, ms(config.max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             ms(config.max_connection_age_grace));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, ms(config.max_connection_idle));
  // TLS handshakes gRPC runs itself (plaintext listeners check the preface in their gate).
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             static_cast<int>(config.handshake_timeout.count()));
  // Memory the transport may hold for connections, calls and reads; under pressure grpc-core
  // shrinks reads and closes idle connections before the process grows without bound.
  grpc::ResourceQuota quota("warden");
  quota.Resize(static_cast<size_t>(config.memory_quota_mb) << 20);
  builder.SetResourceQuota(quota);
}

}  // namespace

WardenServer::WardenServer(const config::ServerConfig& config)
    : config_(config),
      connections_(ConnectionTable::Options{.reset_budget =
                                                static_cast<int>(config.max_resets_per_second)}) {}

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
  // Every connection is a descriptor: the common soft limit of 1024 would be the first thing
  // an attacker exhausts.
  const uint64_t open_files = RaiseOpenFileLimit();
  spdlog::info("open file limit {}", open_files);
  trimmer_ = std::make_unique<MemoryTrimmer>(MemoryTrimmer::Options{});
  trimmer_->Start();
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

  absl::StatusOr<Stores> stores =
      OpenStores(config_, /*migrate=*/config_.dev || config_.migrate_on_start);
  if (!stores.ok()) {
    return stores.status();
  }
  stores_ = *std::move(stores);
  audit_writer_ = std::make_unique<observability::AuditWriter>(
      *stores_.audit, observability::AuditWriter::Options{});
  audit_writer_->Start();
  if (absl::Status master = ResolveMasterKey(); !master.ok()) {
    return master;
  }
  if (absl::Status keys = BuildKeyRing(); !keys.ok()) {
    return keys;
  }
  hasher_ =
      std::make_unique<crypto::Argon2idPasswordHasher>(crypto::Argon2idPasswordHasher::Options{});

  core::UserStore* users = stores_.users.get();
  core::SessionStore* sessions = stores_.sessions.get();
  if (config_.metrics) {
    auth_metrics_ = std::make_unique<observability::AuthMetrics>(*registry_);
    store_metrics_ = std::make_unique<observability::StoreMetrics>(*registry_, clock_);
    metered_users_ =
        std::make_unique<observability::MeteredUserStore>(*stores_.users, *store_metrics_);
    metered_sessions_ =
        std::make_unique<observability::MeteredSessionStore>(*stores_.sessions, *store_metrics_);
    users = metered_users_.get();
    sessions = metered_sessions_.get();
  }
  absl::StatusOr<storage::RedisAddress> redis_address;
  if (!config_.redis_url.empty()) {
    redis_address = storage::ParseRedisUrl(config_.redis_url);
    if (!redis_address.ok()) {
      return absl::InvalidArgumentError(redis_address.status().message());
    }
  }
  if (!config_.redis_url.empty() && config_.redis_shared_limits) {
    redis_limits_ = std::make_unique<storage::RedisClient>(
        *redis_address, storage::RedisClient::Options{.command_timeout = config_.redis_timeout},
        clock_);
    throttle_ = std::make_unique<storage::RedisLoginThrottle>(*redis_limits_, clock_,
                                                              config_.login_protection);
  } else {
    throttle_ = std::make_unique<core::InMemoryLoginThrottle>(clock_, config_.login_protection);
  }
  absl::StatusOr<std::unique_ptr<core::AuthService>> auth =
      core::AuthService::Create(core::AuthService::Ports{.users = *users,
                                                         .sessions = *sessions,
                                                         .hasher = *hasher_,
                                                         .codec = *key_ring_,
                                                         .random = random_,
                                                         .token_hasher = token_hasher_,
                                                         .sealer = token_sealer_,
                                                         .revocations = revocations_,
                                                         .clock = clock_,
                                                         .events = auth_metrics_.get(),
                                                         .audit = audit_writer_.get(),
                                                         .throttle = throttle_.get()},
                                config_.auth);
  if (!auth.ok()) {
    return auth.status();
  }
  auth_ = *std::move(auth);
  if (absl::Status loaded = auth_->LoadRevocations(); !loaded.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot load revocations: ", loaded.message()));
  }
  if (!config_.redis_url.empty()) {
    redis_bus_ = std::make_unique<storage::RedisRevocationBus>(
        revocations_, storage::RedisRevocationBus::Options{}, *redis_address);
    redis_bus_->Start();  // connects in the background; Warden serves without Redis too
  }

  hash_pool_ = std::make_unique<WorkerPool>(
      WorkerPool::Options{.name = "hash",
                          .threads = config_.hash_threads,
                          .max_queue = config_.hash_queue,
                          .nice = config_.hash_priority == "low" ? 10 : 0,
                          .idle_priority = config_.hash_priority == "idle",
                          .idle_when_backlogged = config_.hash_priority == "adaptive"});
  io_pool_ = std::make_unique<WorkerPool>(WorkerPool::Options{
      .name = "io", .threads = config_.io_threads, .max_queue = config_.io_queue});
  if (absl::Status admin = BuildAdministration(*users, *sessions); !admin.ok()) {
    return admin;
  }
  auth_service_ = std::make_unique<server::AuthGrpcService>(*auth_, *hash_pool_, *io_pool_,
                                                            *guards_, Observed());

  const bool tls = !config_.tls_cert_file.empty();
  absl::StatusOr<std::unique_ptr<server::ConnectionGate>> gate =
      GateFor(config_.listen, tls, static_cast<int>(config_.max_connections));
  if (!gate.ok()) {
    return gate.status();
  }
  gate_ = *std::move(gate);
  grpc::ServerBuilder builder;
  if (gate_ == nullptr) {
    builder.AddListeningPort(config_.listen, ServerCredentialsFor(config_), &port_);
  }
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();  // keeps the library linked
  if (!config_.reflection) {
    builder.SetOption(std::make_unique<WithoutReflection>());
  }
  builder.RegisterService(auth_service_.get());
  if (!config_.health_listen.empty()) {
    plain_health_ = std::make_unique<server::HealthService>(*probe_guards_);
  }
  health_ = std::make_unique<server::HealthService>(*guards_, plain_health_.get());
  builder.RegisterService(health_.get());
  key_service_ = std::make_unique<server::KeyGrpcService>([this] { return key_ring_->JwksJson(); },
                                                          config_.jwks_max_age, *guards_);
  builder.RegisterService(key_service_.get());
  revocation_service_ = std::make_unique<server::RevocationGrpcService>(revocations_, *guards_);
  builder.RegisterService(revocation_service_.get());
  builder.RegisterService(admin_service_.get());
  builder.RegisterService(account_service_.get());
  ApplyLimits(config_, builder);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  if (gate_ != nullptr && config_.max_resets_per_second > 0) {
    interceptors.push_back(
        std::make_unique<server::ResetBudgetInterceptorFactory>(connections_, clock_));
  }
  if (config_.metrics) {
    grpc_metrics_ = std::make_unique<observability::GrpcServerMetrics>(*registry_);
    for (const char* service :
         {kAuthServiceName, "warden.v1.KeyService", "warden.v1.RevocationService",
          "warden.v1.AdminService", "warden.v1.AccountService", "grpc.health.v1.Health",
          "grpc.reflection.v1alpha.ServerReflection"}) {
      grpc_metrics_->RegisterService(service);
    }
    interceptors.push_back(
        std::make_unique<observability::MetricsInterceptorFactory>(*grpc_metrics_, clock_));
    edge_metrics_ = std::make_unique<server::EdgeMetrics>(*registry_);
    auto& connections =
        prometheus::BuildGauge()
            .Name("warden_db_pool_connections")
            .Help(
                "Database connections of this replica by pool (primary, or the read replica) "
                "and state (PostgreSQL).")
            .Register(*registry_);
    auto& timeouts = prometheus::BuildGauge()
                         .Name("warden_db_pool_acquire_timeouts")
                         .Help(
                             "Calls that found no free database connection in time "
                             "(answered UNAVAILABLE), since start, by pool.")
                         .Register(*registry_);
    for (const auto& [name, stats] :
         {std::pair{"primary", stores_.pool_stats}, std::pair{"read", stores_.read_pool_stats}}) {
      if (stats) {
        pool_gauges_.push_back(
            PoolGauges{.stats = stats,
                       .open = &connections.Add({{"pool", name}, {"state", "open"}}),
                       .in_use = &connections.Add({{"pool", name}, {"state", "in_use"}}),
                       .timeouts = &timeouts.Add({{"pool", name}})});
      }
    }
    if (!config_.redis_url.empty()) {
      redis_connected_ = &prometheus::BuildGauge()
                              .Name("warden_redis_connected")
                              .Help(
                                  "1 while the Redis revocation bus is subscribed; 0 means "
                                  "revocations reach other replicas only through the store.")
                              .Register(*registry_)
                              .Add({});
    }
    if (redis_limits_ != nullptr) {
      redis_limits_shared_ = &prometheus::BuildGauge()
                                  .Name("warden_redis_limits_shared")
                                  .Help(
                                      "1 while rate limits and login counters are shared through "
                                      "Redis; 0 means each replica counts on its own.")
                                  .Register(*registry_)
                                  .Add({});
      redis_fallbacks_ = &prometheus::BuildCounter()
                              .Name("warden_redis_fallbacks_total")
                              .Help(
                                  "Rate-limit and login checks answered from this replica's own "
                                  "counters because Redis could not answer.")
                              .Register(*registry_)
                              .Add({});
    }
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
            .exporter = span_exporter_.get(),
            .connections = &connections_},
        clock_));
  }
  if (!interceptors.empty()) {
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  server_ = builder.BuildAndStart();
  if (gate_ != nullptr && server_ != nullptr) {
    gate_->Start(*server_);
    port_ = gate_->port();
  }
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen));
  }
  if (gate_ == nullptr && !config_.listen.starts_with("unix:")) {
    const std::string host = config_.listen.substr(0, config_.listen.rfind(':'));
    const bool wildcard = host.empty() || host == "0.0.0.0" || host == "[::]" || host == "*";
    listener_probe_ = std::make_unique<server::ListenerProbe>(server::ListenerProbe::Options{
        .target = absl::StrCat(wildcard ? "127.0.0.1" : host, ":", port_),
        .credentials = tls ? server::ListenerProbe::UnverifiedTlsCredentials()
                           : grpc::InsecureChannelCredentials()});
  }
  if (absl::Status http = StartHttp(); !http.ok()) {
    return http;
  }
  if (absl::Status health = StartHealthListener(); !health.ok()) {
    return health;
  }
  health_->SetServing("", true);
  health_->SetServing(kAuthServiceName, true);
  prober_ = std::make_unique<server::HealthProber>(
      *health_, [this] { return Probe(); },
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
  // Only a shared server database has other replicas' revocations to pull; on the embedded
  // SQLite file this replica made them all, and the poll would only contend for its connection.
  if (config_.revocation_sync.count() > 0 && stores_.backend == "postgres") {
    revocation_sync_ = std::thread([this] {
      std::unique_lock lock(sync_mutex_);
      while (
          !sync_stop_cv_.wait_for(lock, config_.revocation_sync, [this] { return sync_stop_; })) {
        lock.unlock();
        // Idempotent: only entries this replica did not have yet reach the list (and the
        // revocation stream to verifiers).
        if (absl::Status synced = auth_->LoadRevocations(); !synced.ok()) {
          spdlog::debug("revocation sync: {}", std::string(synced.message()));
        }
        lock.lock();
      }
    });
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<server::ConnectionGate>> WardenServer::GateFor(
    const std::string& address, bool tls, int max_connections) {
  if (tls || address.starts_with("unix:")) {
    return std::unique_ptr<server::ConnectionGate>();
  }
  std::vector<guard::Cidr> exempt;
  for (const std::string& text : config_.trusted_proxies) {
    if (absl::StatusOr<guard::Cidr> cidr = guard::ParseCidr(text); cidr.ok()) {
      exempt.push_back(*cidr);
    }
  }
  absl::StatusOr<std::unique_ptr<server::ConnectionGate>> gate = server::ConnectionGate::Listen(
      address,
      server::ConnectionGate::Options{
          .max_connections = max_connections,
          .max_per_address = static_cast<int>(config_.max_connections_per_address),
          .preface_timeout = config_.handshake_timeout,
          .exempt = std::move(exempt)},
      connections_);
  if (!gate.ok()) {
    return absl::UnavailableError(gate.status().message());
  }
  return gate;
}

absl::Status WardenServer::Probe() {
  absl::Status store = stores_.users->Ping();
  for (const auto* gate : {gate_.get(), health_gate_.get()}) {
    if (gate != nullptr && !gate->stats().accepting) {
      spdlog::error("a listener no longer accepts connections (accept errors: {})",
                    gate->stats().accept_errors);
      return absl::UnavailableError("listener not accepting");
    }
  }
  if (listener_probe_ != nullptr && !listener_probe_->ProbeOnce()) {
    spdlog::error("{} no longer answers new connections; restart this process", config_.listen);
    return absl::UnavailableError("listener not accepting");
  }
  return store;
}

absl::Status WardenServer::ResolveMasterKey() {
  if (!config_.master_key.empty()) {
    absl::StatusOr<crypto::MasterKey> key = crypto::MasterKey::FromBase64(config_.master_key);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("master key: ", key.status().message()));
    }
    master_key_ = *std::move(key);
  } else if (config_.dev) {
    absl::StatusOr<crypto::MasterKey> key = DevMasterKey(config_.data_dir);
    if (!key.ok()) {
      return key.status();
    }
    master_key_ = *std::move(key);
  }
  return absl::OkStatus();
}

absl::Status WardenServer::BuildAdministration(core::UserStore& users,
                                               core::SessionStore& sessions) {
  std::vector<guard::Cidr> proxies;
  for (const std::string& text : config_.trusted_proxies) {
    absl::StatusOr<guard::Cidr> cidr = guard::ParseCidr(text);
    if (!cidr.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("trusted_proxies: ", cidr.status().message()));
    }
    proxies.push_back(*cidr);
  }
  if (master_key_.has_value()) {
    api_key_hasher_ =
        std::make_unique<crypto::HmacSha256TokenHasher>(master_key_->DeriveSubkey(1, "apikeys"));
    api_keys_ = std::make_unique<core::ApiKeyService>(
        core::ApiKeyService::Ports{
            .store = *stores_.api_keys,
            .keyed_hasher = *api_key_hasher_,
            .random = random_,
            .clock = clock_,
            .audit = audit_writer_.get(),
            .defer = [this](std::function<void()> job) { return io_pool_->TrySubmit(job); }},
        core::ApiKeyService::Options{});
  } else {
    spdlog::warn("API keys are off: they need a master key (--master-key-file)");
  }
  guard::LimiterFactory limiters;
  if (redis_limits_ != nullptr) {
    limiters = [this](resilience::RateSpec spec, const std::string& name) {
      return std::make_unique<storage::RedisRateLimiter>(*redis_limits_, name, spec, clock_);
    };
  }
  guards_ = guard::MakeAdmissionChain(guard::AdmissionPorts{.policy = config_.policy,
                                                            .tokens = *auth_,
                                                            .api_keys = api_keys_.get(),
                                                            .clock = clock_,
                                                            .events = auth_metrics_.get(),
                                                            .connections = &connections_},
                                      guard::AdmissionOptions{.trusted_proxies = std::move(proxies),
                                                              .limiters = std::move(limiters)});
  admin_ = std::make_unique<core::AdminService>(
      core::AdminService::Ports{.users = users,
                                .sessions = sessions,
                                .hasher = *hasher_,
                                .random = random_,
                                .revocations = revocations_,
                                .clock = clock_,
                                .audit = audit_writer_.get()},
      core::AdminService::Options{.revocation_ttl = config_.auth.access_ttl + config_.auth.leeway});
  admin_service_ = std::make_unique<server::AdminGrpcService>(
      server::AdminGrpcService::Deps{.admin = *admin_,
                                     .api_keys = api_keys_.get(),
                                     .audit = *stores_.audit,
                                     .io_pool = *io_pool_,
                                     .hash_pool = *hash_pool_,
                                     .guards = *guards_,
                                     .annotate_principal = Observed()});
  account_service_ =
      std::make_unique<server::AccountGrpcService>(*admin_, *hash_pool_, *guards_, Observed());
  return absl::OkStatus();
}

absl::Status WardenServer::StartHealthListener() {
  if (config_.health_listen.empty()) {
    return absl::OkStatus();
  }
  // Probes open a new connection each time; a handful at once is plenty.
  absl::StatusOr<std::unique_ptr<server::ConnectionGate>> gate =
      GateFor(config_.health_listen, /*tls=*/false, /*max_connections=*/64);
  if (!gate.ok()) {
    return gate.status();
  }
  health_gate_ = *std::move(gate);
  grpc::ServerBuilder builder;
  if (health_gate_ == nullptr) {
    builder.AddListeningPort(config_.health_listen, grpc::InsecureServerCredentials(),
                             &health_port_);
  }
  builder.RegisterService(plain_health_.get());
  builder.SetOption(std::make_unique<WithoutReflection>());
  builder.SetMaxReceiveMessageSize(4096);
  ApplyLimits(config_, builder);
  health_server_ = builder.BuildAndStart();
  if (health_gate_ != nullptr && health_server_ != nullptr) {
    health_gate_->Start(*health_server_);
    health_port_ = health_gate_->port();
  }
  if (health_server_ == nullptr || health_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.health_listen));
  }
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
  if (!master_key_.has_value()) {
    return absl::InvalidArgumentError("the managed key ring needs a master key");
  }
  key_ring_ = std::make_unique<crypto::KeyRing>(*master_key_);
  key_rotation_ = std::make_unique<core::KeyRotation>(
      core::KeyRotation::Ports{.store = *stores_.signing_keys,
                               .factory = *key_ring_,
                               .installer = *key_ring_,
                               .clock = clock_},
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
      if (redis_connected_ != nullptr) {
        redis_connected_->Set(redis_bus_ != nullptr && redis_bus_->Connected() ? 1 : 0);
      }
      if (redis_limits_shared_ != nullptr) {
        redis_limits_shared_->Set(redis_limits_->Healthy() ? 1 : 0);
        // Advance the counter by what no concurrent scrape has reported yet.
        const int64_t failures = redis_limits_->Failures();
        int64_t reported = redis_fallbacks_reported_.load();
        while (failures > reported &&
               !redis_fallbacks_reported_.compare_exchange_weak(reported, failures)) {
        }
        if (failures > reported) {
          redis_fallbacks_->Increment(static_cast<double>(failures - reported));
        }
      }
      edge_metrics_->UpdateProcess(trimmer_.get());
      edge_metrics_->UpdateResetFloods(connections_.reset_floods());
      if (gate_ != nullptr) {
        edge_metrics_->UpdateListener("grpc", gate_->stats());
      } else if (listener_probe_ != nullptr) {
        edge_metrics_->SetListenerUp("grpc", listener_probe_->up());
      }
      if (health_gate_ != nullptr) {
        edge_metrics_->UpdateListener("health", health_gate_->stats());
      }
      for (const PoolGauges& gauges : pool_gauges_) {
        const std::array<double, 3> pool = gauges.stats();
        gauges.open->Set(pool[0]);
        gauges.in_use->Set(pool[1]);
        gauges.timeouts->Set(pool[2]);
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
        health_->StatusOf(kAuthServiceName) == ::grpc::health::v1::HealthCheckResponse::SERVING;
    // Without Redis the replica still serves (revocations travel through the store, limits
    // are counted per replica): ready, but say so.
    std::string redis;
    if (redis_bus_ != nullptr) {
      const bool up =
          redis_bus_->Connected() && (redis_limits_ == nullptr || redis_limits_->Healthy());
      redis = up                         ? " (redis: connected)"
              : redis_limits_ != nullptr ? " (redis: down, degraded fan-out, per-replica limits)"
                                         : " (redis: down, degraded fan-out)";
    }
    return server::HttpResponse{.status = serving ? 200 : 503,
                                .body = (serving ? "SERVING" : "NOT_SERVING") + redis + "\n"};
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

void WardenServer::BeginDrain() {
  if (prober_ != nullptr) {
    prober_->Stop();  // it would turn the services SERVING again
  }
  health_->SetServing("", false);
  health_->SetServing(kAuthServiceName, false);
}

void WardenServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  std::call_once(shutdown_once_, [this, deadline] {
    if (redis_bus_ != nullptr) {
      redis_bus_->Stop();
    }
    {
      std::lock_guard lock(sync_mutex_);
      sync_stop_ = true;
    }
    sync_stop_cv_.notify_all();
    if (revocation_sync_.joinable()) {
      revocation_sync_.join();
    }
    if (prober_ != nullptr) {
      prober_->Stop();
    }
    health_->Shutdown();
    revocation_service_->Shutdown();
    if (http_ != nullptr) {
      http_->Stop();
    }
    for (server::ConnectionGate* gate : {gate_.get(), health_gate_.get()}) {
      if (gate != nullptr) {
        gate->Stop();  // no new connections; the ones gRPC has are drained below
      }
    }
    server_->Shutdown(deadline);
    if (health_server_ != nullptr) {
      health_server_->Shutdown(deadline);
    }
    trimmer_->Stop();
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
  if ((*server)->health_port() != 0) {
    spdlog::info("health listening on {}:{} (plaintext, grpc.health.v1 only)",
                 config.health_listen.substr(0, config.health_listen.rfind(':')),
                 (*server)->health_port());
  }
  // Last: tools wait for this line.
  spdlog::info(
      "listening on {}:{} ({}; gRPC: auth.AuthService, warden.v1.AdminService, "
      "warden.v1.AccountService, warden.v1.KeyService, warden.v1.RevocationService, "
      "grpc.health.v1.Health{})",
      host, (*server)->port(),
      config.tls_cert_file.empty()        ? "plaintext"
      : config.tls_client_ca_file.empty() ? "TLS"
      : config.tls_require_client_cert    ? "mutual TLS, client certificate required"
                                          : "TLS, client certificate optional",
      config.reflection ? ", reflection" : "");
  if (config.dev) {
    spdlog::warn("dev mode is on: keys under {} were made for development", config.data_dir);
  }
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("received {}, draining for up to {}s", signal == SIGTERM ? "SIGTERM" : "SIGINT",
               config.drain.count());
  if (config.drain_delay.count() > 0) {
    (*server)->BeginDrain();
    spdlog::info("NOT_SERVING; still serving for {}s while load balancers notice",
                 config.drain_delay.count());
    // A second SIGTERM/SIGINT cuts the delay short.
    const timespec delay{.tv_sec = static_cast<time_t>(config.drain_delay.count()), .tv_nsec = 0};
    sigtimedwait(&signals, nullptr, &delay);
  }
  (*server)->Shutdown(std::chrono::system_clock::now() + config.drain);
  spdlog::info("stopped");
  return 0;
}

}  // namespace warden::app
