#include "crypto/master_key.h"

#include <sodium.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace warden::crypto {
namespace {

constexpr absl::string_view kPrefix = "v1.";

}  // namespace

absl::StatusOr<MasterKey> MasterKey::FromBase64(absl::string_view text) {
  std::string key;
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (!absl::Base64Unescape(trimmed, &key) && !absl::WebSafeBase64Unescape(trimmed, &key)) {
    return absl::InvalidArgumentError("master key: not base64");
  }
  if (key.size() != kBytes) {
    return absl::InvalidArgumentError("master key: must be 32 bytes (base64 of 32 random bytes)");
  }
  return MasterKey(std::move(key));
}

MasterKey MasterKey::Generate() {
  std::string key(kBytes, '\0');
  randombytes_buf(key.data(), key.size());
  return MasterKey(std::move(key));
}

std::string MasterKey::ToBase64() const { return absl::Base64Escape(key_); }

std::string MasterKey::Seal(absl::string_view plaintext, absl::string_view context) const {
  std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(context.data()), context.size(), nullptr, nonce,
      reinterpret_cast<const unsigned char*>(key_.data()));
  out.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + written);
  return absl::StrCat(kPrefix, absl::WebSafeBase64Escape(out));
}

absl::StatusOr<std::string> MasterKey::Open(absl::string_view sealed,
                                            absl::string_view context) const {
  std::string raw;
  if (!absl::StartsWith(sealed, kPrefix) ||
      !absl::WebSafeBase64Unescape(sealed.substr(kPrefix.size()), &raw) ||
      raw.size() < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
                       crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return absl::InvalidArgumentError("sealed key: malformed");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw.data());
  const auto* cipher = nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  const size_t cipher_size = raw.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string plain(cipher_size, '\0');
  unsigned long long plain_size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plain_size, nullptr, cipher, cipher_size,
          reinterpret_cast<const unsigned char*>(context.data()), context.size(), nonce,
          reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return absl::InvalidArgumentError(
        "sealed key: cannot open (wrong master key, or the row was altered)");
  }
  plain.resize(plain_size);
  return plain;
}

std::string MasterKey::DeriveSubkey(uint64_t id, absl::string_view purpose) const {
  char context[crypto_kdf_CONTEXTBYTES] = {};
  for (size_t i = 0; i < sizeof(context) && i < purpose.size(); ++i) {
    context[i] = purpose[i];
  }
  std::string subkey(crypto_kdf_KEYBYTES, '\0');
  crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(subkey.data()), subkey.size(), id,
                             context, reinterpret_cast<const unsigned char*>(key_.data()));
  return subkey;
}

}  // namespace warden::crypto
