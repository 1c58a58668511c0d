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

}  // namespace warden::crypto
