#include "app/warden_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "app/server_options.h"
#include "guard/admission_chain.h"
#include "observability/access_log.h"
#include "server/grpc_transport.h"
#include "server/reset_budget_observer.h"
#include "storage/redis/redis_login_throttle.h"
#include "storage/redis/redis_rate_limiter.h"

namespace warden::app {
namespace {

constexpr char kAuthServiceName[] = "auth.AuthService";

}  // namespace

WardenServer::WardenServer(const config::ServerConfig& config)
    : config_(config),
      connections_(ConnectionTable::Options{
          .reset_budget = static_cast<int>(config.limits.max_resets_per_second)}) {}

absl::StatusOr<std::unique_ptr<WardenServer>> WardenServer::Start(
    const config::ServerConfig& config) {
  std::unique_ptr<WardenServer> server(new WardenServer(config));
  struct Step {
    const char* name;
    absl::Status (WardenServer::*run)();
  };
  for (const Step& step :
       {Step{"process", &WardenServer::PrepareProcess}, Step{"core", &WardenServer::BuildCore},
        Step{"administration", &WardenServer::BuildAdministration},
        Step{"grpc", &WardenServer::StartGrpc}, Step{"http", &WardenServer::StartPublicEndpoints},
        Step{"health listener", &WardenServer::StartHealthListener}}) {
    const auto began = std::chrono::steady_clock::now();
    if (absl::Status done = (server.get()->*step.run)(); !done.ok()) {
      return done;
    }
    spdlog::debug(
        "start-up: {} took {:.1f} ms", step.name,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began)
            .count());
  }
  server->StartBackground();
  return server;
}

absl::Status WardenServer::PrepareProcess() {
  KeepProtobufLogsAtDebug();
  // Every connection is a descriptor: the common soft limit of 1024 would be the first thing
  // an attacker exhausts.
  spdlog::info("open file limit {}", RaiseOpenFileLimit());
  trimmer_ = std::make_unique<MemoryTrimmer>(MemoryTrimmer::Options{});
  trimmer_->Start();
  if (!crypto::InitSodium()) {
    return absl::InternalError("libsodium could not be initialised");
  }
  for (const std::string& text : config_.admission.trusted_proxies) {
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
  absl::StatusOr<Stores> stores =
      OpenStores(config_, config_.dev || config_.storage.migrate_on_start);
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
  if (config_.observability.metrics) {
    auth_metrics_ = std::make_unique<observability::AuthMetrics>(*registry_);
    store_metrics_ = std::make_unique<observability::StoreMetrics>(*registry_, clock_);
    metered_users_ = std::make_unique<observability::MeteredUserStore>(*users, *store_metrics_);
    metered_sessions_ =
        std::make_unique<observability::MeteredSessionStore>(*sessions, *store_metrics_);
    users = metered_users_.get();
    sessions = metered_sessions_.get();
  }
  std::optional<storage::RedisAddress> redis;
  if (!config_.storage.redis_url.empty()) {
    absl::StatusOr<storage::RedisAddress> address =
        storage::ParseRedisUrl(config_.storage.redis_url);
    if (!address.ok()) {
      return absl::InvalidArgumentError(address.status().message());
    }
    redis = *address;
  }
  if (redis.has_value() && config_.storage.redis_shared_limits) {
    redis_limits_ = std::make_unique<storage::RedisClient>(
        *redis, storage::RedisClient::Options{.command_timeout = config_.storage.redis_timeout},
        clock_);
    throttle_ = std::make_unique<storage::RedisLoginThrottle>(*redis_limits_, clock_,
                                                              config_.admission.login_protection);
  } else {
    throttle_ =
        std::make_unique<core::InMemoryLoginThrottle>(clock_, config_.admission.login_protection);
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
                                config_.tokens.auth);
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
  hash_pool_ = std::make_unique<WorkerPool>(WorkerPool::Options{
      .name = "hash",
      .threads = config_.workers.hash_threads,
      .max_queue = config_.workers.hash_queue,
      .nice = config_.workers.hash_priority == config::HashPriority::kLow ? 10 : 0,
      .idle_priority = config_.workers.hash_priority == config::HashPriority::kIdle,
      .idle_when_backlogged = config_.workers.hash_priority == config::HashPriority::kAdaptive});
  io_pool_ = std::make_unique<WorkerPool>(WorkerPool::Options{
      .name = "io", .threads = config_.workers.io_threads, .max_queue = config_.workers.io_queue});
  admin_ = std::make_unique<core::AdminService>(
      core::AdminService::Ports{.users = *users,
                                .sessions = *sessions,
                                .hasher = *hasher_,
                                .random = random_,
                                .revocations = revocations_,
                                .clock = clock_,
                                .audit = audit_writer_.get()},
      core::AdminService::Options{.revocation_ttl =
                                      config_.tokens.auth.access_ttl + config_.tokens.auth.leeway});
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
  guards_ = guard::MakeAdmissionChain(guard::AdmissionPorts{.policy = config_.admission.policy,
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
  if (config_.observability.metrics) {
    grpc_metrics_ = std::make_unique<observability::GrpcServerMetrics>(*registry_);
    for (const char* service :
         {kAuthServiceName, "warden.v1.KeyService", "warden.v1.RevocationService",
          "warden.v1.AdminService", "warden.v1.AccountService", "grpc.health.v1.Health",
          "grpc.reflection.v1alpha.ServerReflection"}) {
      grpc_metrics_->RegisterService(service);
    }
  }
  if (!config_.observability.otlp_endpoint.empty()) {
    span_exporter_ = std::make_unique<observability::SpanExporter>(
        observability::SpanExporter::Options{.endpoint = config_.observability.otlp_endpoint});
    span_exporter_->Start();
  }
  call_observers_ =
      std::make_unique<observability::CallObservers>(ObserversOf(ObserverPartsNow()), clock_);
  observability::CallObservers* observers = call_observers_.get();
  auth_service_ = std::make_unique<server::AuthGrpcService>(*auth_, *hash_pool_, *io_pool_,
                                                            *guards_, observers);
  key_service_ = std::make_unique<server::KeyGrpcService>(
      [ring = signing_.key_ring.get()] { return ring->JwksJson(); }, config_.tokens.jwks_max_age,
      *guards_, observers);
  revocation_service_ = std::make_unique<server::RevocationGrpcService>(revocations_, *guards_);
  admin_service_ = std::make_unique<server::AdminGrpcService>(
      server::AdminGrpcService::Deps{.admin = *admin_,
                                     .api_keys = api_keys_.get(),
                                     .audit = *stores_.audit,
                                     .io_pool = *io_pool_,
                                     .hash_pool = *hash_pool_,
                                     .guards = *guards_,
                                     .observers = observers});
  account_service_ =
      std::make_unique<server::AccountGrpcService>(*admin_, *hash_pool_, *guards_, observers);
  if (!config_.transport.health_listen.empty()) {
    plain_health_ = std::make_unique<server::HealthService>(*probe_guards_);
  }
  health_ = std::make_unique<server::HealthService>(*guards_, plain_health_.get(), observers);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();  // keeps the library linked
  absl::StatusOr<std::unique_ptr<server::GrpcListener>> listener = server::GrpcListener::Start(
      ListenerOptions("grpc", config_.transport.listen,
                      static_cast<int>(config_.limits.max_connections)),
      {auth_service_.get(), health_.get(), key_service_.get(), revocation_service_.get(),
       admin_service_.get(), account_service_.get()},
      connections_, [observers] { return InterceptorsOf(*observers); });
  if (!listener.ok()) {
    return listener.status();
  }
  listener_ = *std::move(listener);
  return absl::OkStatus();
}

server::GrpcListener::Options WardenServer::ListenerOptions(const std::string& name,
                                                            const std::string& address,
                                                            int max_connections) const {
  return server::GrpcListener::Options{
      .name = name,
      .address = address,
      .tls = TlsOf(config_),
      .limits = LimitsOf(config_),
      .reflection = config_.transport.reflection,
      .max_connections = max_connections,
      .max_connections_per_address = static_cast<int>(config_.limits.max_connections_per_address),
      .exempt = trusted_proxies_};
}

ObserverParts WardenServer::ObserverPartsNow() {
  return ObserverParts{
      .connections = &connections_,
      .clock = &clock_,
      .reset_budget = config_.limits.max_resets_per_second > 0,
      .metrics = grpc_metrics_.get(),
      .observed = Observed(),
      .access_log = {.mode = AccessLogMode(config_.observability.access_log),
                     .sample_rate = config_.observability.access_log_sample_percent / 100.0,
                     .exporter = span_exporter_.get(),
                     .connections = &connections_}};
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
  if (config_.observability.metrics) {
    RegisterScrapeGauges();
  }
  if (config_.transport.http_listen.empty()) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<server::PublicEndpoints>> http = server::PublicEndpoints::Start(
      server::PublicEndpoints::Options{.listen = config_.transport.http_listen,
                                       .issuer = config_.tokens.auth.issuer,
                                       .public_url = config_.transport.public_url,
                                       .jwks_max_age = config_.tokens.jwks_max_age},
      server::PublicEndpoints::Sources{
          .jwks_json = [ring = signing_.key_ring.get()] { return ring->JwksJson(); },
          .algorithms = [ring = signing_.key_ring.get()] { return ring->Algorithms(); },
          .readiness = [health = health_.get(), bus = redis_bus_.get(),
                        limits = redis_limits_.get()] { return ReadinessOf(*health, bus, limits); },
          .metrics = metrics_.get()});
  if (!http.ok()) {
    return http.status();
  }
  http_ = *std::move(http);
  return absl::OkStatus();
}

const std::string& WardenServer::public_url() const {
  static const std::string kNone;
  return http_ == nullptr ? kNone : http_->public_url();
}

absl::Status WardenServer::StartHealthListener() {
  if (config_.transport.health_listen.empty()) {
    return absl::OkStatus();
  }
  // Plaintext, health only, for probes: they open a new connection each time, so a handful at
  // once is plenty, and a health request is small.
  server::GrpcListener::Options options =
      ListenerOptions("health", config_.transport.health_listen, /*max_connections=*/64);
  options.tls = {};
  options.reflection = false;
  options.limits.max_message_bytes = 4096;
  absl::StatusOr<std::unique_ptr<server::GrpcListener>> listener =
      server::GrpcListener::Start(std::move(options), {plain_health_.get()}, connections_);
  if (!listener.ok()) {
    return listener.status();
  }
  health_listener_ = *std::move(listener);
  return absl::OkStatus();
}

}  // namespace warden::app
