#pragma once

#include "absl/strings/string_view.h"
#include "core/ports/random_source.h"

namespace warden::crypto {

// Initialises libsodium once. Returns false if it cannot (no entropy source): a fatal error.
bool InitSodium();

// Random bytes from libsodium (getrandom). Thread-safe.
class SodiumRandomSource final : public core::RandomSource {
 public:
  std::string Bytes(size_t count) override;
};

// SHA-256, base64url-encoded. Refresh tokens carry 256 bits of entropy, so an unsalted fast hash
// is enough to keep a stolen database from yielding usable tokens. Thread-safe.
class Sha256TokenHasher final : public core::TokenHasher {
 public:
  std::string Hash(absl::string_view token) const override;
};

// HMAC-SHA-256 under a secret key, base64url. For high-entropy secrets (API keys): a stolen
// database alone does not let anyone test guesses. Thread-safe.
class HmacSha256TokenHasher final : public core::TokenHasher {
 public:
  explicit HmacSha256TokenHasher(std::string key) : key_(std::move(key)) {}
  std::string Hash(absl::string_view token) const override;

 private:
  const std::string key_;
};

// XChaCha20-Poly1305 under a key derived from the token (BLAKE2b, keyed with a fixed context
// label, so the key is unrelated to the token's stored SHA-256). Output "v1." + base64url(nonce
// || ciphertext). Thread-safe.
class SodiumTokenSealer final : public core::TokenSealer {
 public:
  std::string Seal(absl::string_view key_token, absl::string_view secret) const override;
  std::optional<std::string> Open(absl::string_view key_token,
                                  absl::string_view sealed) const override;
};

}  // namespace warden::crypto
