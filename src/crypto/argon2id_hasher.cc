#include "crypto/argon2id_hasher.h"

#include <sodium.h>

#include "absl/strings/match.h"

#include <string>

namespace warden::crypto {

absl::StatusOr<std::string> Argon2idPasswordHasher::Hash(absl::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), options_.iterations,
                            options_.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("argon2id: out of memory");
  }
  return std::string(out);
}

absl::StatusOr<bool> Argon2idPasswordHasher::Verify(absl::string_view password,
                                                    absl::string_view hash) const {
  if (hash.size() >= crypto_pwhash_STRBYTES || !absl::StartsWith(hash, "$argon2id$")) {
    return absl::InvalidArgumentError("not an argon2id hash");
  }
  const std::string terminated(hash);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool Argon2idPasswordHasher::NeedsRehash(absl::string_view hash) const {
  const std::string terminated(hash);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), options_.iterations,
                                        options_.memory_bytes) != 0;
}

}  // namespace warden::crypto
