#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct evp_pkey_st;

namespace warden::crypto {

enum class JwtAlgorithm { kES256, kEdDSA, kHS256 };

// Returns "ES256", "EdDSA" or "HS256".
absl::string_view JwtAlgorithmName(JwtAlgorithm algorithm);
// Parses a JWS "alg" name; kInvalidArgument for anything else ("none" included).
absl::StatusOr<JwtAlgorithm> ParseJwtAlgorithm(absl::string_view name);

// One key that signs and verifies tokens with exactly one algorithm (the algorithm is pinned to
// the key, never taken from a token). Immutable after creation; thread-safe.
class SigningKey {
 public:
  // Reads a PEM private key: EC P-256 (ES256) or Ed25519 (EdDSA).
  static absl::StatusOr<SigningKey> FromPemFile(const std::string& path);
  static absl::StatusOr<SigningKey> FromPem(absl::string_view pem);
  // Generates a new key for `algorithm` (ES256 or EdDSA).
  static absl::StatusOr<SigningKey> Generate(JwtAlgorithm algorithm);
  // HS256 with a shared secret (the seed's JWT_SECRET_KEY).
  static SigningKey FromSecret(absl::string_view secret);
  // A verify-only key from one JWK (RFC 7517 object text): EC P-256 with alg ES256, or OKP
  // Ed25519 with alg EdDSA. Its kid must equal its RFC 7638 thumbprint, as Warden publishes.
  static absl::StatusOr<SigningKey> FromPublicJwk(absl::string_view jwk_json);

  // False for verify-only keys.
  bool can_sign() const { return can_sign_; }

  JwtAlgorithm algorithm() const { return algorithm_; }
  // RFC 7638 JWK thumbprint for asymmetric keys; a digest-derived id for HS256.
  const std::string& kid() const { return kid_; }
  // PKCS#8 PEM of the private key (asymmetric keys only).
  absl::StatusOr<std::string> PrivateKeyPem() const;
  // The public JWK members (kty, crv, x[, y]) as a JSON object text; empty for HS256.
  const std::string& PublicJwkMembers() const { return public_jwk_; }

  // Returns the JWS signature of `signing_input` (raw r||s for ES256).
  absl::StatusOr<std::string> Sign(absl::string_view signing_input) const;
  // Returns true only for a valid signature by this key.
  bool Verify(absl::string_view signing_input, absl::string_view signature) const;

 private:
  SigningKey() = default;
  static absl::StatusOr<SigningKey> FromPkey(evp_pkey_st* pkey);

  JwtAlgorithm algorithm_ = JwtAlgorithm::kES256;
  std::shared_ptr<evp_pkey_st> pkey_;
  std::string secret_;
  std::string kid_;
  std::string public_jwk_;
  bool can_sign_ = true;
};

}  // namespace warden::crypto
