#include "crypto/sodium_primitives.h"

#include <sodium.h>

#include "absl/strings/escaping.h"

namespace warden::crypto {

bool InitSodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string SodiumRandomSource::Bytes(size_t count) {
  std::string out(count, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

std::string Sha256TokenHasher::Hash(absl::string_view token) const {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string HmacSha256TokenHasher::Hash(absl::string_view token) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key_.data()),
                              key_.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(token.data()),
                                token.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(mac), sizeof(mac)));
}

}  // namespace warden::crypto
