#include "app/warden_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <google/protobuf/stubs/logging.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "guard/admission_chain.h"
#include "observability/access_log.h"
#include "server/grpc_transport.h"
#include "server/reset_budget_interceptor.h"
#include "storage/redis/redis_login_throttle.h"
#include "storage/redis/redis_rate_limiter.h"

namespace warden::app {
namespace {

constexpr char kAuthServiceName[] = "auth.AuthService";
constexpr auto kProbeInterval = std::chrono::seconds(5);

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

}  // namespace

WardenServer::WardenServer(const config::ServerConfig& config)
    : config_(config),
      connections_(ConnectionTable::Options{.reset_budget =
                                                static_cast<int>(config.max_resets_per_second)}) {}

absl::StatusOr<std::unique_ptr<WardenServer>> WardenServer::Start(
    const config::ServerConfig& config) {
  std::unique_ptr<WardenServer> server(new WardenServer(config));
  for (absl::Status (WardenServer::*step)() :
       {&WardenServer::PrepareProcess, &WardenServer::BuildCore, &WardenServer::BuildAdministration,
        &WardenServer::StartGrpc, &WardenServer::StartPublicEndpoints,
        &WardenServer::StartHealthListener}) {
    if (absl::Status done = (server.get()->*step)(); !done.ok()) {
      return done;
    }
  }
  server->StartBackground();
  return server;
}

absl::Status WardenServer::PrepareProcess() {
  google::protobuf::SetLogHandler(&ProtobufLogToDebug);
  // Every connection is a descriptor: the common soft limit of 1024 would be the first thing
  // an attacker exhausts.
  spdlog::info("open file limit {}", RaiseOpenFileLimit());
  trimmer_ = std::make_unique<MemoryTrimmer>(MemoryTrimmer::Options{});
  trimmer_->Start();
  if (!crypto::InitSodium()) {
    return absl::InternalError("libsodium could not be initialised");
  }
  for (const std::string& text : config_.trusted_proxies) {
    absl::StatusOr<guard::Cidr> cidr = guard::ParseCidr(text);
    if (!cidr.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("trusted_proxies: ", cidr.status().message()));
    }
    trusted_proxies_.push_back(*cidr);
  }
  std::error_code error;
  if (std::filesystem::create_directories(config_.data_dir, error)) {
    chmod(config_.data_dir.c_str(), 0700);  // keys and password hashes live here
  }
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create data dir ", config_.data_dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status WardenServer::BuildCore() {
  absl::StatusOr<Stores> stores = OpenStores(config_, config_.dev || config_.migrate_on_start);
  if (!stores.ok()) {
    return stores.status();
  }
  stores_ = *std::move(stores);
  audit_writer_ = std::make_unique<observability::AuditWriter>(
      *stores_.audit, observability::AuditWriter::Options{});
  audit_writer_->Start();
  absl::StatusOr<std::optional<crypto::MasterKey>> master = ResolveMasterKey(config_);
  if (!master.ok()) {
    return master.status();
  }
  master_key_ = *std::move(master);
  absl::StatusOr<Signing> signing =
      MakeSigning(config_, master_key_, *stores_.signing_keys, clock_);
  if (!signing.ok()) {
    return signing.status();
  }
  signing_ = *std::move(signing);
  hasher_ =
      std::make_unique<crypto::Argon2idPasswordHasher>(crypto::Argon2idPasswordHasher::Options{});
  core::UserStore* users = stores_.users.get();
  core::SessionStore* sessions = stores_.sessions.get();
  if (config_.metrics) {
    auth_metrics_ = std::make_unique<observability::AuthMetrics>(*registry_);
    store_metrics_ = std::make_unique<observability::StoreMetrics>(*registry_, clock_);
    metered_users_ = std::make_unique<observability::MeteredUserStore>(*users, *store_metrics_);
    metered_sessions_ =
        std::make_unique<observability::MeteredSessionStore>(*sessions, *store_metrics_);
    users = metered_users_.get();
    sessions = metered_sessions_.get();
  }
  std::optional<storage::RedisAddress> redis;
  if (!config_.redis_url.empty()) {
    absl::StatusOr<storage::RedisAddress> address = storage::ParseRedisUrl(config_.redis_url);
    if (!address.ok()) {
      return absl::InvalidArgumentError(address.status().message());
    }
    redis = *address;
  }
  if (redis.has_value() && config_.redis_shared_limits) {
    redis_limits_ = std::make_unique<storage::RedisClient>(
        *redis, storage::RedisClient::Options{.command_timeout = config_.redis_timeout}, clock_);
    throttle_ = std::make_unique<storage::RedisLoginThrottle>(*redis_limits_, clock_,
                                                              config_.login_protection);
  } else {
    throttle_ = std::make_unique<core::InMemoryLoginThrottle>(clock_, config_.login_protection);
  }
  absl::StatusOr<std::unique_ptr<core::AuthService>> auth =
      core::AuthService::Create(core::AuthService::Ports{.users = *users,
                                                         .sessions = *sessions,
                                                         .hasher = *hasher_,
                                                         .codec = *signing_.key_ring,
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
  if (redis.has_value()) {
    redis_bus_ = std::make_unique<storage::RedisRevocationBus>(
        revocations_, storage::RedisRevocationBus::Options{}, *redis);
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
  admin_ = std::make_unique<core::AdminService>(
      core::AdminService::Ports{.users = *users,
                                .sessions = *sessions,
                                .hasher = *hasher_,
                                .random = random_,
                                .revocations = revocations_,
                                .clock = clock_,
                                .audit = audit_writer_.get()},
      core::AdminService::Options{.revocation_ttl = config_.auth.access_ttl + config_.auth.leeway});
  return absl::OkStatus();
}

absl::Status WardenServer::BuildAdministration() {
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
            .defer = [pool = io_pool_.get()](
                         std::function<void()> job) { return pool->TrySubmit(std::move(job)); }},
        core::ApiKeyService::Options{});
  } else {
    spdlog::warn("API keys are off: they need a master key (--master-key-file)");
  }
  guard::LimiterFactory limiters;
  if (redis_limits_ != nullptr) {
    limiters = [redis = redis_limits_.get(), clock = &clock_](resilience::RateSpec spec,
                                                              const std::string& name) {
      return std::make_unique<storage::RedisRateLimiter>(*redis, name, spec, *clock);
    };
  }
  guards_ = guard::MakeAdmissionChain(guard::AdmissionPorts{.policy = config_.policy,
                                                            .tokens = *auth_,
                                                            .api_keys = api_keys_.get(),
                                                            .clock = clock_,
                                                            .events = auth_metrics_.get(),
                                                            .connections = &connections_},
                                      guard::AdmissionOptions{.trusted_proxies = trusted_proxies_,
                                                              .limiters = std::move(limiters)});
  return absl::OkStatus();
}

absl::Status WardenServer::StartGrpc() {
  const bool tls = !config_.tls_cert_file.empty();
  absl::StatusOr<std::unique_ptr<server::ConnectionGate>> gate =
      GateFor(config_.listen, tls, static_cast<int>(config_.max_connections));
  if (!gate.ok()) {
    return gate.status();
  }
  gate_ = *std::move(gate);
  auth_service_ = std::make_unique<server::AuthGrpcService>(*auth_, *hash_pool_, *io_pool_,
                                                            *guards_, Observed());
  key_service_ = std::make_unique<server::KeyGrpcService>(
      [ring = signing_.key_ring.get()] { return ring->JwksJson(); }, config_.jwks_max_age,
      *guards_);
  revocation_service_ = std::make_unique<server::RevocationGrpcService>(revocations_, *guards_);
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
  if (!config_.health_listen.empty()) {
    plain_health_ = std::make_unique<server::HealthService>(*probe_guards_);
  }
  health_ = std::make_unique<server::HealthService>(*guards_, plain_health_.get());

  grpc::ServerBuilder builder;
  if (gate_ == nullptr) {
    builder.AddListeningPort(config_.listen, server::ServerCredentialsFor(TlsOf(config_)), &port_);
  }
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();  // keeps the library linked
  if (!config_.reflection) {
    builder.SetOption(std::make_unique<server::WithoutReflection>());
  }
  for (grpc::Service* service : std::initializer_list<grpc::Service*>{
           auth_service_.get(), health_.get(), key_service_.get(), revocation_service_.get(),
           admin_service_.get(), account_service_.get()}) {
    builder.RegisterService(service);
  }
  server::ApplyLimits(LimitsOf(config_), builder);
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
  }
  if (!config_.otlp_endpoint.empty()) {
    span_exporter_ = std::make_unique<observability::SpanExporter>(
        observability::SpanExporter::Options{.endpoint = config_.otlp_endpoint});
    span_exporter_->Start();
  }
  if (Observed()) {
    interceptors.push_back(std::make_unique<observability::AccessLogInterceptorFactory>(
        observability::AccessLogInterceptorFactory::Options{
            .mode = AccessLogMode(config_.access_log),
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
  return absl::OkStatus();
}

void WardenServer::RegisterScrapeGauges() {
  metrics_ = std::make_unique<observability::MetricsEndpoint>(*registry_);
  metrics_->OnScrape([this] {
    auth_metrics_->hash_queue_depth().Set(static_cast<double>(hash_pool_->PendingForTest()));
    auth_metrics_->io_queue_depth().Set(static_cast<double>(io_pool_->PendingForTest()));
    const auto age = clock_.WallNow() - housekeeping_->signing_since();
    auth_metrics_->signing_key_age().Set(
        static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(age).count()));
  });
  redis_gauges_ = std::make_unique<observability::RedisGauges>(
      *registry_,
      observability::RedisGauges::Sources{
          .bus_connected = redis_bus_ == nullptr
                               ? std::function<bool()>()
                               : [bus = redis_bus_.get()] { return bus->Connected(); },
          .limits_healthy = redis_limits_ == nullptr
                                ? std::function<bool()>()
                                : [redis = redis_limits_.get()] { return redis->Healthy(); },
          .failures = redis_limits_ == nullptr
                          ? std::function<int64_t()>()
                          : [redis = redis_limits_.get()] { return redis->Failures(); }});
  metrics_->OnScrape([gauges = redis_gauges_.get()] { gauges->Refresh(); });
  edge_metrics_ = std::make_unique<server::EdgeMetrics>(*registry_);
  metrics_->OnScrape([this] {
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
  });
  pool_gauges_ = std::make_unique<observability::DbPoolGauges>(*registry_);
  if (stores_.pool_stats) {
    pool_gauges_->Add("primary", stores_.pool_stats);
  }
  if (stores_.read_pool_stats) {
    pool_gauges_->Add("read", stores_.read_pool_stats);
  }
  metrics_->OnScrape([gauges = pool_gauges_.get()] { gauges->Refresh(); });
  observability::RegisterBuildInfo(*registry_, WARDEN_VERSION);
}

absl::Status WardenServer::StartPublicEndpoints() {
  housekeeping_ = std::make_unique<server::Housekeeping>(
      server::Housekeeping::Ports{
          .rotation = signing_.rotation.get(),
          .audit = *audit_writer_,
          .clock = clock_,
          .forget_verified_tokens = [auth = auth_.get()] { auth->ForgetVerifiedTokens(); },
          .purge_expired = [auth = auth_.get()] { return auth->PurgeExpired(); }},
      signing_.signing_since);
  if (config_.metrics) {
    RegisterScrapeGauges();
  }
  if (config_.http_listen.empty()) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<server::PublicEndpoints>> http = server::PublicEndpoints::Start(
      server::PublicEndpoints::Options{.listen = config_.http_listen,
                                       .issuer = config_.auth.issuer,
                                       .public_url = config_.public_url,
                                       .jwks_max_age = config_.jwks_max_age},
      server::PublicEndpoints::Sources{
          .jwks_json = [ring = signing_.key_ring.get()] { return ring->JwksJson(); },
          .algorithms = [ring = signing_.key_ring.get()] { return ring->Algorithms(); },
          .readiness = [this] { return ReadinessNow(); },
          .metrics = metrics_.get()});
  if (!http.ok()) {
    return http.status();
  }
  http_ = *std::move(http);
  return absl::OkStatus();
}

server::Readiness WardenServer::ReadinessNow() const {
  using Redis = server::Readiness::Redis;
  server::Readiness readiness{.serving = health_->StatusOf(kAuthServiceName) ==
                                         ::grpc::health::v1::HealthCheckResponse::SERVING};
  // Without Redis the replica still serves (revocations travel through the store, limits are
  // counted per replica): ready, but say so.
  if (redis_bus_ != nullptr) {
    const bool up =
        redis_bus_->Connected() && (redis_limits_ == nullptr || redis_limits_->Healthy());
    readiness.redis = up                         ? Redis::kConnected
                      : redis_limits_ != nullptr ? Redis::kDownFanOutAndLimits
                                                 : Redis::kDownFanOut;
  }
  return readiness;
}

const std::string& WardenServer::public_url() const {
  static const std::string kNone;
  return http_ == nullptr ? kNone : http_->public_url();
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
  builder.SetOption(std::make_unique<server::WithoutReflection>());
  server::ApplyLimits(LimitsOf(config_), builder);
  builder.SetMaxReceiveMessageSize(4096);
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

void WardenServer::StartBackground() {
  health_->SetServing("", true);
  health_->SetServing(kAuthServiceName, true);
  prober_ = std::make_unique<server::HealthProber>(
      *health_, [this] { return Probe(); },
      [housekeeping = housekeeping_.get()] { housekeeping->Tick(); },
      server::HealthProber::Options{.interval = kProbeInterval,
                                    .services = {"", kAuthServiceName}});
  prober_->Start();
  // Only a shared server database has other replicas' revocations to pull; on the embedded
  // SQLite file this replica made them all, and the poll would only contend for its connection.
  if (config_.revocation_sync.count() > 0 && stores_.backend == "postgres") {
    revocation_sync_ = std::make_unique<server::RevocationSync>(
        [auth = auth_.get()] { return auth->LoadRevocations(); }, config_.revocation_sync);
  }
}

absl::StatusOr<std::unique_ptr<server::ConnectionGate>> WardenServer::GateFor(
    const std::string& address, bool tls, int max_connections) {
  if (tls || address.starts_with("unix:")) {
    return std::unique_ptr<server::ConnectionGate>();
  }
  absl::StatusOr<std::unique_ptr<server::ConnectionGate>> gate = server::ConnectionGate::Listen(
      address,
      server::ConnectionGate::Options{
          .max_connections = max_connections,
          .max_per_address = static_cast<int>(config_.max_connections_per_address),
          .preface_timeout = config_.handshake_timeout,
          .exempt = trusted_proxies_},
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

void WardenServer::BeginDrain() {
  if (prober_ != nullptr) {
    prober_->Stop();  // it would turn the services SERVING again
  }
  health_->SetServing("", false);
  health_->SetServing(kAuthServiceName, false);
}

// What stops, in which order: first what feeds work in (Redis, the revocation poll, the probe),
// then health and the streams (watchers see NOT_SERVING and end), the HTTP listener and the
// gates (no new connections), then gRPC drains the calls it has until `deadline`; the pools and
// the audit writer stop last, after the last call that could use them.
void WardenServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  std::call_once(shutdown_once_, [this, deadline] {
    if (redis_bus_ != nullptr) {
      redis_bus_->Stop();
    }
    if (revocation_sync_ != nullptr) {
      revocation_sync_->Stop();
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

}  // namespace warden::app
