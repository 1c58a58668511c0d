#include "app/warden_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <google/protobuf/stubs/logging.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace warden::app {
namespace {

constexpr char kAuthServiceName[] = "auth.AuthService";
constexpr int kMaxReceiveMessageBytes = 64 * 1024;
constexpr auto kProbeInterval = std::chrono::seconds(5);

// Loads the configured signing key; in dev mode, loads or creates one under the data dir.
absl::StatusOr<crypto::SigningKey> LoadSigningKey(const config::ServerConfig& config) {
  if (config.jwt_algorithm == "HS256") {
    if (!config.hs256_secret.empty()) {
      if (config.dev && config.hs256_secret.size() < 32) {
        spdlog::warn(
            "dev mode: HS256 secret shorter than 32 bytes accepted; refused outside --dev");
      }
      return crypto::SigningKey::FromSecret(config.hs256_secret);
    }
    // Dev mode without a secret: keep a random one in the data dir.
    const std::string path = config.data_dir + "/hs256.secret";
    std::ifstream in(path, std::ios::binary);
    std::string secret;
    if (in && std::getline(in, secret) && secret.size() >= 32) {
      return crypto::SigningKey::FromSecret(secret);
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
    return crypto::SigningKey::FromSecret(secret);
  }
  if (!config.signing_key_file.empty()) {
    absl::StatusOr<crypto::SigningKey> key =
        crypto::SigningKey::FromPemFile(config.signing_key_file);
    if (key.ok() && crypto::JwtAlgorithmName(key->algorithm()) != config.jwt_algorithm) {
      return absl::InvalidArgumentError(absl::StrCat(
          config.signing_key_file, ": key is for ", crypto::JwtAlgorithmName(key->algorithm()),
          " but token.algorithm is ", config.jwt_algorithm));
    }
    return key;
  }
  const std::string path = absl::StrCat(config.data_dir, "/signing-key-",
                                        absl::AsciiStrToLower(config.jwt_algorithm), ".pem");
  if (std::filesystem::exists(path)) {
    absl::StatusOr<crypto::SigningKey> key = crypto::SigningKey::FromPemFile(path);
    if (key.ok()) {
      spdlog::info("dev mode: using signing key {} (kid {})", path, key->kid());
    }
    return key;
  }
  absl::StatusOr<crypto::JwtAlgorithm> algorithm = crypto::ParseJwtAlgorithm(config.jwt_algorithm);
  if (!algorithm.ok()) {
    return algorithm.status();
  }
  absl::StatusOr<crypto::SigningKey> key = crypto::SigningKey::Generate(*algorithm);
  if (!key.ok()) {
    return key.status();
  }
  if (absl::Status written = crypto::WritePrivateKeyFile(*key, path); !written.ok()) {
    return written;
  }
  spdlog::warn("dev mode: generated a new {} signing key at {} (kid {}); do not use in production",
               config.jwt_algorithm, path, key->kid());
  return key;
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

  absl::StatusOr<crypto::SigningKey> key = LoadSigningKey(config_);
  if (!key.ok()) {
    return key.status();
  }
  codec_ = std::make_unique<crypto::JwtCodec>(*std::move(key));

  absl::StatusOr<std::unique_ptr<storage::SqliteDatabase>> database =
      storage::SqliteDatabase::Open({.path = config_.sqlite_path});
  if (!database.ok()) {
    return database.status();
  }
  database_ = *std::move(database);
  chmod(config_.sqlite_path.c_str(), 0600);  // SQLite gives -wal and -shm the same mode
  users_ = std::make_unique<storage::SqliteUserStore>(*database_);
  sessions_ = std::make_unique<storage::SqliteSessionStore>(*database_);
  hasher_ =
      std::make_unique<crypto::Argon2idPasswordHasher>(crypto::Argon2idPasswordHasher::Options{});

  absl::StatusOr<std::unique_ptr<core::AuthService>> auth =
      core::AuthService::Create(core::AuthService::Ports{.users = *users_,
                                                         .sessions = *sessions_,
                                                         .hasher = *hasher_,
                                                         .codec = *codec_,
                                                         .random = random_,
                                                         .token_hasher = token_hasher_,
                                                         .revocations = revocations_,
                                                         .clock = clock_},
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
  auth_service_ = std::make_unique<server::AuthGrpcService>(*auth_, *hash_pool_, *io_pool_);

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(auth_service_.get());
  builder.RegisterService(&health_);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen));
  }
  health_.SetServing("", true);
  health_.SetServing(kAuthServiceName, true);
  prober_ = std::make_unique<server::HealthProber>(
      health_, [this] { return users_->Ping(); },
      [this] {
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

void WardenServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  std::call_once(shutdown_once_, [this, deadline] {
    if (prober_ != nullptr) {
      prober_->Stop();
    }
    health_.Shutdown();
    server_->Shutdown(deadline);
    hash_pool_->Stop();
    io_pool_->Stop();
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
  spdlog::info("listening on {}:{} (gRPC: auth.AuthService, grpc.health.v1.Health, reflection)",
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
