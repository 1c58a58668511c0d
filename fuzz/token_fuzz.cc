// libFuzzer target for everything that parses untrusted token and key text: JwtCodec::Verify
// and PeekKid on access tokens (ES256, EdDSA and HS256 rings), and the JWK / JWKS parsers the
// verifier library uses. Built with clang by tools/fuzz.sh; must never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/jwt_codec.h"
#include "crypto/key_ring.h"
#include "crypto/sodium_primitives.h"

namespace {

struct Codecs {
  Codecs()
      : es256(warden::crypto::SigningKey::Generate(warden::crypto::JwtAlgorithm::kES256).value()),
        eddsa(warden::crypto::SigningKey::Generate(warden::crypto::JwtAlgorithm::kEdDSA).value()),
        hs256(warden::crypto::SigningKey::FromSecret("fuzz-secret-fuzz-secret-fuzz-secret")) {}
  warden::crypto::JwtCodec es256;
  warden::crypto::JwtCodec eddsa;
  warden::crypto::JwtCodec hs256;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool sodium = warden::crypto::InitSodium();
  static const Codecs* codecs = new Codecs();
  (void)sodium;
  if (size == 0) {
    return 0;
  }
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      (void)codecs->es256.Verify(input);
      (void)warden::crypto::JwtCodec::PeekKid(input);
      break;
    case 1:
      (void)codecs->eddsa.Verify(input);
      (void)codecs->hs256.Verify(input);
      break;
    case 2:
      (void)warden::crypto::SigningKey::FromPublicJwk(input);
      break;
    default: {
      warden::crypto::KeyRing ring(std::nullopt);
      (void)ring.InstallJwks(input);
      break;
    }
  }
  return 0;
}
