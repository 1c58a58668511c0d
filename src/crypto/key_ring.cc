#include "crypto/key_ring.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace warden::crypto {

KeyRing::KeyRing(std::optional<MasterKey> master_key) : master_key_(std::move(master_key)) {}

std::unique_ptr<KeyRing> KeyRing::Fixed(SigningKey key) {
  auto ring = std::make_unique<KeyRing>(std::nullopt);
  ring->snapshot_.store(MakeSnapshot(std::move(key), {}));
  return ring;
}

std::shared_ptr<const KeyRing::Snapshot> KeyRing::MakeSnapshot(SigningKey active,
                                                               std::vector<SigningKey> others) {
  nlohmann::json keys = nlohmann::json::array();
  std::vector<std::string> algorithms;
  auto publish = [&](const SigningKey& key) {
    if (key.PublicJwkMembers().empty()) {
      return;  // shared secrets are never published
    }
    nlohmann::json jwk = nlohmann::json::parse(key.PublicJwkMembers(), nullptr, false);
    jwk["kid"] = key.kid();
    jwk["alg"] = std::string(JwtAlgorithmName(key.algorithm()));
    jwk["use"] = "sig";
    keys.push_back(std::move(jwk));
    const std::string alg(JwtAlgorithmName(key.algorithm()));
    if (std::find(algorithms.begin(), algorithms.end(), alg) == algorithms.end()) {
      algorithms.push_back(alg);
    }
  };
  publish(active);
  for (const SigningKey& key : others) {
    publish(key);
  }
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->jwks = nlohmann::json{{"keys", keys}}.dump();
  snapshot->algorithms = std::move(algorithms);
  snapshot->codec = std::make_unique<JwtCodec>(std::move(active), std::move(others));
  return snapshot;
}

absl::StatusOr<std::string> KeyRing::Sign(const core::AccessClaims& claims) const {
  std::shared_ptr<const Snapshot> snapshot = snapshot_.load();
  if (snapshot == nullptr) {
    return absl::UnavailableError("no signing key installed yet");
  }
  return snapshot->codec->Sign(claims);
}

absl::StatusOr<core::AccessClaims> KeyRing::Verify(absl::string_view token) const {
  std::shared_ptr<const Snapshot> snapshot = snapshot_.load();
  if (snapshot == nullptr) {
    return absl::UnauthenticatedError("untrusted token");
  }
  return snapshot->codec->Verify(token);
}

absl::Status KeyRing::InstallSigningKeys(absl::string_view signing_kid,
                                         const std::vector<core::SigningKeyRecord>& trusted) {
  if (!master_key_.has_value()) {
    return absl::FailedPreconditionError("this key ring is fixed");
  }
  std::optional<SigningKey> active;
  std::vector<SigningKey> others;
  for (const core::SigningKeyRecord& record : trusted) {
    absl::StatusOr<std::string> pem = master_key_->Open(record.sealed_private_key, record.kid);
    if (!pem.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("signing key ", record.kid, ": ", pem.status().message()));
    }
    absl::StatusOr<SigningKey> key = SigningKey::FromPem(*pem);
    if (!key.ok() || key->kid() != record.kid ||
        JwtAlgorithmName(key->algorithm()) != record.algorithm) {
      return absl::FailedPreconditionError(
          absl::StrCat("signing key ", record.kid, ": stored key does not match its row"));
    }
    if (record.kid == signing_kid) {
      active = *std::move(key);
    } else {
      others.push_back(*std::move(key));
    }
  }
  if (!active.has_value()) {
    return absl::FailedPreconditionError("the signing key is not among the trusted keys");
  }
  snapshot_.store(MakeSnapshot(*std::move(active), std::move(others)));
  return absl::OkStatus();
}

absl::StatusOr<core::SigningKeyRecord> KeyRing::CreateSigningKey(absl::string_view algorithm,
                                                                 core::WallTime created_at,
                                                                 core::WallTime activate_at) {
  if (!master_key_.has_value()) {
    return absl::FailedPreconditionError("this key ring is fixed");
  }
  absl::StatusOr<JwtAlgorithm> parsed = ParseJwtAlgorithm(algorithm);
  if (!parsed.ok()) {
    return parsed.status();
  }
  absl::StatusOr<SigningKey> key = SigningKey::Generate(*parsed);
  if (!key.ok()) {
    return key.status();
  }
  absl::StatusOr<std::string> pem = key->PrivateKeyPem();
  if (!pem.ok()) {
    return pem.status();
  }
  return core::SigningKeyRecord{.kid = key->kid(),
                                .algorithm = std::string(algorithm),
                                .public_jwk = key->PublicJwkMembers(),
                                .sealed_private_key = master_key_->Seal(*pem, key->kid()),
                                .created_at = created_at,
                                .activate_at = activate_at};
}

absl::Status KeyRing::InstallJwks(absl::string_view jwks_json) {
  const nlohmann::json jwks = nlohmann::json::parse(jwks_json, nullptr, false);
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    return absl::InvalidArgumentError("JWKS: not a JWK Set");
  }
  std::vector<SigningKey> keys;
  for (const nlohmann::json& jwk : jwks["keys"]) {
    absl::StatusOr<SigningKey> key = SigningKey::FromPublicJwk(jwk.dump());
    if (key.ok()) {
      keys.push_back(*std::move(key));
    }
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError("JWKS: no usable ES256 or EdDSA key");
  }
  SigningKey first = keys.front();
  keys.erase(keys.begin());
  snapshot_.store(MakeSnapshot(std::move(first), std::move(keys)));
  return absl::OkStatus();
}

bool KeyRing::Trusts(absl::string_view kid) const {
  std::shared_ptr<const Snapshot> snapshot = snapshot_.load();
  return snapshot != nullptr && snapshot->codec->Trusts(kid);
}

std::string KeyRing::JwksJson() const {
  std::shared_ptr<const Snapshot> snapshot = snapshot_.load();
  return snapshot == nullptr ? R"({"keys":[]})" : snapshot->jwks;
}

std::string KeyRing::SigningKid() const {
  std::shared_ptr<const Snapshot> snapshot = snapshot_.load();
  return snapshot == nullptr ? "" : snapshot->codec->active_key().kid();
}

std::vector<std::string> KeyRing::Algorithms() const {
  std::shared_ptr<const Snapshot> snapshot = snapshot_.load();
  return snapshot == nullptr ? std::vector<std::string>{} : snapshot->algorithms;
}

}  // namespace warden::crypto
