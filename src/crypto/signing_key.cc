#include "crypto/signing_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <openssl/params.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace warden::crypto {
namespace {

constexpr size_t kEs256SignatureBytes = 64;
constexpr size_t kEd25519SignatureBytes = 64;

std::string Base64Url(const unsigned char* data, size_t size) {
  return absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(data), size));
}

std::string Sha256(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

absl::StatusOr<std::string> BnParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    return absl::InvalidArgumentError("EC key without public point");
  }
  unsigned char out[32];
  const int ok = BN_bn2binpad(bn, out, sizeof(out));
  BN_free(bn);
  if (ok != 32) {
    return absl::InvalidArgumentError("EC coordinate does not fit P-256");
  }
  return Base64Url(out, sizeof(out));
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

}  // namespace

absl::string_view JwtAlgorithmName(JwtAlgorithm algorithm) {
  switch (algorithm) {
    case JwtAlgorithm::kES256:
      return "ES256";
    case JwtAlgorithm::kEdDSA:
      return "EdDSA";
    case JwtAlgorithm::kHS256:
      return "HS256";
  }
  return "";
}

absl::StatusOr<JwtAlgorithm> ParseJwtAlgorithm(absl::string_view name) {
  if (name == "ES256") {
    return JwtAlgorithm::kES256;
  }
  if (name == "EdDSA") {
    return JwtAlgorithm::kEdDSA;
  }
  if (name == "HS256") {
    return JwtAlgorithm::kHS256;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported algorithm '", name, "' (use ES256, EdDSA or HS256)"));
}

absl::StatusOr<SigningKey> SigningKey::FromPkey(EVP_PKEY* pkey) {
  SigningKey key;
  key.pkey_ = std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
  std::string thumbprint_input;
  if (EVP_PKEY_get_id(pkey) == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t group_len = 0;
    if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) != 1 ||
        absl::string_view(group) != "prime256v1") {
      return absl::InvalidArgumentError("EC key must be on curve P-256 (prime256v1) for ES256");
    }
    absl::StatusOr<std::string> x = BnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
    absl::StatusOr<std::string> y = BnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x.ok() || !y.ok()) {
      return absl::InvalidArgumentError("EC key has no readable public point");
    }
    key.algorithm_ = JwtAlgorithm::kES256;
    // RFC 7638: required members only, lexicographic order, no whitespace.
    thumbprint_input =
        absl::StrCat(R"({"crv":"P-256","kty":"EC","x":")", *x, R"(","y":")", *y, R"("})");
  } else if (EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519) {
    unsigned char raw[32];
    size_t raw_len = sizeof(raw);
    if (EVP_PKEY_get_raw_public_key(pkey, raw, &raw_len) != 1 || raw_len != sizeof(raw)) {
      return absl::InvalidArgumentError("Ed25519 key has no readable public key");
    }
    key.algorithm_ = JwtAlgorithm::kEdDSA;
    thumbprint_input =
        absl::StrCat(R"({"crv":"Ed25519","kty":"OKP","x":")", Base64Url(raw, raw_len), R"("})");
  } else {
    return absl::InvalidArgumentError("signing key must be EC P-256 (ES256) or Ed25519 (EdDSA)");
  }
  key.public_jwk_ = thumbprint_input;
  key.kid_ = absl::WebSafeBase64Escape(Sha256(thumbprint_input));
  return key;
}

absl::StatusOr<SigningKey> SigningKey::FromPem(absl::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) {
    return absl::InvalidArgumentError("not a PEM private key");
  }
  return FromPkey(pkey);
}

absl::StatusOr<SigningKey> SigningKey::FromPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read signing key file ", path));
  }
  std::stringstream pem;
  pem << in.rdbuf();
  absl::StatusOr<SigningKey> key = FromPem(pem.str());
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", key.status().message()));
  }
  return key;
}

absl::StatusOr<SigningKey> SigningKey::Generate(JwtAlgorithm algorithm) {
  EVP_PKEY* pkey = nullptr;
  switch (algorithm) {
    case JwtAlgorithm::kES256:
      pkey = EVP_EC_gen("P-256");
      break;
    case JwtAlgorithm::kEdDSA:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case JwtAlgorithm::kHS256:
      return absl::InvalidArgumentError("HS256 keys are shared secrets, not generated");
  }
  if (pkey == nullptr) {
    return absl::InternalError("key generation failed");
  }
  return FromPkey(pkey);
}

SigningKey SigningKey::FromSecret(absl::string_view secret) {
  SigningKey key;
  key.algorithm_ = JwtAlgorithm::kHS256;
  key.secret_ = std::string(secret);
  key.kid_ = absl::StrCat(
      "hs256-",
      absl::WebSafeBase64Escape(Sha256(absl::StrCat("warden-kid:", secret))).substr(0, 16));
  return key;
}

absl::StatusOr<SigningKey> SigningKey::FromPublicJwk(absl::string_view jwk_json) {
  const nlohmann::json jwk = nlohmann::json::parse(jwk_json, nullptr, false);
  auto text = [&jwk](const char* name) {
    auto it = jwk.find(name);
    return it != jwk.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!jwk.is_object()) {
    return absl::InvalidArgumentError("JWK: not a JSON object");
  }
  if (jwk.contains("d")) {
    return absl::InvalidArgumentError("JWK: private key material where a public key belongs");
  }
  auto decode = [](const std::string& b64, size_t size) -> std::optional<std::string> {
    std::string out;
    if (!absl::WebSafeBase64Unescape(b64, &out) || out.size() != size) {
      return std::nullopt;
    }
    return out;
  };
  EVP_PKEY* pkey = nullptr;
  const std::string kty = text("kty");
  const std::string alg = text("alg");
  if (kty == "EC" && text("crv") == "P-256" && (alg.empty() || alg == "ES256")) {
    std::optional<std::string> x = decode(text("x"), 32);
    std::optional<std::string> y = decode(text("y"), 32);
    if (!x || !y) {
      return absl::InvalidArgumentError("JWK: bad EC coordinates");
    }
    std::string point = "\x04" + *x + *y;  // uncompressed SEC1 point
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                         const_cast<char*>("prime256v1"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
      EVP_PKEY_CTX_free(ctx);
      return absl::InvalidArgumentError("JWK: EC point is not on P-256");
    }
    EVP_PKEY_CTX_free(ctx);
    // fromdata does not check the point is on the curve: do it.
    EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
    const bool on_curve = check != nullptr && EVP_PKEY_public_check(check) == 1;
    EVP_PKEY_CTX_free(check);
    if (!on_curve) {
      EVP_PKEY_free(pkey);
      return absl::InvalidArgumentError("JWK: EC point is not on P-256");
    }
  } else if (kty == "OKP" && text("crv") == "Ed25519" && (alg.empty() || alg == "EdDSA")) {
    std::optional<std::string> x = decode(text("x"), 32);
    if (!x) {
      return absl::InvalidArgumentError("JWK: bad Ed25519 key");
    }
    pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                       reinterpret_cast<const unsigned char*>(x->data()), 32);
    if (pkey == nullptr) {
      return absl::InvalidArgumentError("JWK: bad Ed25519 key");
    }
  } else {
    return absl::InvalidArgumentError("JWK: only EC P-256 (ES256) and OKP Ed25519 (EdDSA)");
  }
  absl::StatusOr<SigningKey> key = FromPkey(pkey);
  if (!key.ok()) {
    return key.status();
  }
  key->can_sign_ = false;
  if (!text("kid").empty() && text("kid") != key->kid()) {
    return absl::InvalidArgumentError("JWK: kid is not the key's RFC 7638 thumbprint");
  }
  return key;
}

absl::StatusOr<std::string> SigningKey::PrivateKeyPem() const {
  if (pkey_ == nullptr || !can_sign_) {
    return absl::FailedPreconditionError("shared-secret keys have no PEM form");
  }
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PrivateKey(bio, pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    BIO_free(bio);
    return absl::InternalError("cannot encode private key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

absl::StatusOr<std::string> SigningKey::Sign(absl::string_view signing_input) const {
  if (!can_sign_) {
    return absl::FailedPreconditionError("verify-only key");
  }
  if (algorithm_ == JwtAlgorithm::kHS256) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
             reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
             mac, &mac_len) == nullptr) {
      return absl::InternalError("HMAC failed");
    }
    return std::string(reinterpret_cast<const char*>(mac), mac_len);
  }
  MdCtx ctx(EVP_MD_CTX_new());
  const EVP_MD* md = algorithm_ == JwtAlgorithm::kES256 ? EVP_sha256() : nullptr;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey_.get()) != 1) {
    return absl::InternalError("sign init failed");
  }
  size_t size = 0;
  const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &size, input, signing_input.size()) != 1) {
    return absl::InternalError("sign failed");
  }
  std::string der(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &size, input,
                     signing_input.size()) != 1) {
    return absl::InternalError("sign failed");
  }
  der.resize(size);
  if (algorithm_ == JwtAlgorithm::kEdDSA) {
    return der;  // Ed25519 signatures are already raw
  }
  // ES256: JWS wants r || s, 32 bytes each, not DER (RFC 7518 section 3.4).
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) {
    return absl::InternalError("bad ECDSA signature encoding");
  }
  unsigned char raw[kEs256SignatureBytes];
  const bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32) == 32 &&
                  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  if (!ok) {
    return absl::InternalError("bad ECDSA signature size");
  }
  return std::string(reinterpret_cast<const char*>(raw), sizeof(raw));
}

bool SigningKey::Verify(absl::string_view signing_input, absl::string_view signature) const {
  const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (algorithm_ == JwtAlgorithm::kHS256) {
    absl::StatusOr<std::string> expected = Sign(signing_input);
    return expected.ok() && expected->size() == signature.size() &&
           CRYPTO_memcmp(expected->data(), signature.data(), signature.size()) == 0;
  }
  std::string der;
  const EVP_MD* md = nullptr;
  if (algorithm_ == JwtAlgorithm::kES256) {
    if (signature.size() != kEs256SignatureBytes) {
      return false;
    }
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(raw, 32, nullptr);
    BIGNUM* s = BN_bin2bn(raw + 32, 32, nullptr);
    if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
      BN_free(r);
      BN_free(s);
      ECDSA_SIG_free(sig);
      return false;
    }
    unsigned char* out = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &out);
    ECDSA_SIG_free(sig);
    if (len <= 0) {
      return false;
    }
    der.assign(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
    OPENSSL_free(out);
    md = EVP_sha256();
  } else {
    if (signature.size() != kEd25519SignatureBytes) {
      return false;
    }
    der = std::string(signature);
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey_.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                          input, signing_input.size()) == 1;
}

}  // namespace warden::crypto
