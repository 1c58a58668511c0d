#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warden::crypto {

// The key that seals signing keys at rest (XChaCha20-Poly1305, libsodium), bound to a context
// string (the kid) so a sealed key cannot be moved to another row. Immutable; thread-safe.
class MasterKey {
 public:
  static constexpr size_t kBytes = 32;

  // Parses the base64 text of a master key file or variable (surrounding whitespace ignored).
  static absl::StatusOr<MasterKey> FromBase64(absl::string_view text);
  // Returns a new random key.
  static MasterKey Generate();
  std::string ToBase64() const;

  // Returns "v1." + base64url(nonce || ciphertext).
  std::string Seal(absl::string_view plaintext, absl::string_view context) const;
  // kInvalidArgument if `sealed` was not made by this key for this context.
  absl::StatusOr<std::string> Open(absl::string_view sealed, absl::string_view context) const;
  // Derives an independent 32-byte subkey for `purpose` (libsodium crypto_kdf, BLAKE2b), e.g.
  // the API key hashing key. Same key and purpose give the same subkey on every replica.
  std::string DeriveSubkey(uint64_t id, absl::string_view purpose) const;

 private:
  explicit MasterKey(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace warden::crypto
