#include "app/signing.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "app/dev_secrets.h"

namespace warden::app {
namespace {

absl::StatusOr<std::string> Hs256Secret(const config::ServerConfig& config) {
  if (config.tokens.hs256_secret.empty()) {
    return DevHs256Secret(config.data_dir);
  }
  if (config.dev && config.tokens.hs256_secret.size() < 32) {
    spdlog::warn("dev mode: HS256 secret shorter than 32 bytes accepted; refused outside --dev");
  }
  return config.tokens.hs256_secret;
}

}  // namespace

absl::StatusOr<std::optional<crypto::MasterKey>> ResolveMasterKey(
    const config::ServerConfig& config) {
  if (!config.tokens.master_key.empty()) {
    absl::StatusOr<crypto::MasterKey> key = crypto::MasterKey::FromBase64(config.tokens.master_key);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("master key: ", key.status().message()));
    }
    return std::optional<crypto::MasterKey>(*std::move(key));
  }
  if (config.dev) {
    absl::StatusOr<crypto::MasterKey> key = DevMasterKey(config.data_dir);
    if (!key.ok()) {
      return key.status();
    }
    return std::optional<crypto::MasterKey>(*std::move(key));
  }
  return std::optional<crypto::MasterKey>();
}

absl::StatusOr<Signing> MakeSigning(const config::ServerConfig& config,
                                    const std::optional<crypto::MasterKey>& master_key,
                                    core::SigningKeyStore& store, const Clock& clock) {
  using Mode = config::SigningMode;
  Signing signing{.signing_since = clock.WallNow()};
  if (config.tokens.signing == Mode::kHs256) {
    absl::StatusOr<std::string> secret = Hs256Secret(config);
    if (!secret.ok()) {
      return secret.status();
    }
    signing.key_ring = crypto::KeyRing::Fixed(crypto::SigningKey::FromSecret(*secret));
    return signing;
  }
  if (config.tokens.signing == Mode::kStaticKey) {
    absl::StatusOr<crypto::SigningKey> key =
        crypto::SigningKey::FromPemFile(config.tokens.signing_key_file);
    if (!key.ok()) {
      return key.status();
    }
    if (crypto::JwtAlgorithmName(key->algorithm()) !=
        config::JwtAlgorithmName(config.tokens.algorithm)) {
      return absl::InvalidArgumentError(
          absl::StrCat(config.tokens.signing_key_file, ": key is for ",
                       crypto::JwtAlgorithmName(key->algorithm()), " but token.algorithm is ",
                       config::JwtAlgorithmName(config.tokens.algorithm)));
    }
    spdlog::info("signing with the fixed key {} (kid {})", config.tokens.signing_key_file,
                 key->kid());
    signing.key_ring = crypto::KeyRing::Fixed(*std::move(key));
    return signing;
  }
  if (!master_key.has_value()) {
    return absl::InvalidArgumentError("the managed key ring needs a master key");
  }
  signing.key_ring = std::make_unique<crypto::KeyRing>(*master_key);
  signing.rotation = std::make_unique<core::KeyRotation>(
      core::KeyRotation::Ports{.store = store,
                               .factory = *signing.key_ring,
                               .installer = *signing.key_ring,
                               .clock = clock},
      core::KeyRotation::Options{
          .algorithm = config::JwtAlgorithmName(config.tokens.algorithm),
          .schedule = {.rotation_period = config.tokens.rotation_period,
                       .publish_ahead = 2 * config.tokens.jwks_max_age,
                       .retire_after = config.tokens.auth.access_ttl + config.tokens.auth.leeway}});
  absl::StatusOr<core::KeyRotation::TickResult> first = signing.rotation->Tick();
  if (!first.ok()) {
    return absl::Status(first.status().code(),
                        absl::StrCat("signing keys: ", first.status().message()));
  }
  signing.signing_since = first->signing_since;
  spdlog::info("managed key ring: {} signs; {} key(s) published{}", first->signing_kid,
               first->trusted_kids.size(), first->created ? " (created a key)" : "");
  return signing;
}

}  // namespace warden::app
