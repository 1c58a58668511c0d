#include "crypto/sodium_primitives.h"

#include <sodium.h>

#include <array>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

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

namespace {

constexpr absl::string_view kSealPrefix = "v1.";
constexpr absl::string_view kSealContext = "warden refresh successor v1";

std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_KEYBYTES> SealKey(
    absl::string_view token) {
  std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_KEYBYTES> key{};
  crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), reinterpret_cast<const unsigned char*>(kSealContext.data()),
                     kSealContext.size());
  return key;
}

}  // namespace

std::string SodiumTokenSealer::Seal(absl::string_view key_token, absl::string_view secret) const {
  const auto key = SealKey(key_token);
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string out(kNonce + secret.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(bytes, kNonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(bytes + kNonce, &written,
                                             reinterpret_cast<const unsigned char*>(secret.data()),
                                             secret.size(), nullptr, 0, nullptr, bytes, key.data());
  out.resize(kNonce + written);
  return absl::StrCat(kSealPrefix, absl::WebSafeBase64Escape(out));
}

std::optional<std::string> SodiumTokenSealer::Open(absl::string_view key_token,
                                                   absl::string_view sealed) const {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string raw;
  if (!absl::ConsumePrefix(&sealed, kSealPrefix) || !absl::WebSafeBase64Unescape(sealed, &raw) ||
      raw.size() < kNonce + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return std::nullopt;
  }
  const auto key = SealKey(key_token);
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  std::string secret(raw.size() - kNonce - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(secret.data()), &written, nullptr, bytes + kNonce,
          raw.size() - kNonce, nullptr, 0, bytes, key.data()) != 0) {
    return std::nullopt;
  }
  secret.resize(written);
  return secret;
}

}  // namespace warden::crypto
