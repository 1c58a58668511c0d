#include "crypto/jwt_codec.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/testing/status_matchers.h"

namespace warden::crypto {
namespace {

core::AccessClaims Claims() {
  return core::AccessClaims{.issuer = "warden",
                            .audience = "api",
                            .subject = "user-1",
                            .username = "alice",
                            .roles = {"user", "admin"},
                            .token_id = "jti-1",
                            .session_id = "sid-1",
                            .issued_at = 1000,
                            .not_before = 1000,
                            .expires_at = 1900};
}

std::string Part(absl::string_view token, int index) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  return parts.at(static_cast<size_t>(index));
}

std::string DecodePart(absl::string_view token, int index) {
  std::string out;
  absl::WebSafeBase64Unescape(Part(token, index), &out);
  return out;
}

std::string Encode(absl::string_view text) { return absl::WebSafeBase64Escape(text); }

class JwtCodecAlgorithmTest : public ::testing::TestWithParam<JwtAlgorithm> {
 protected:
  SigningKey MakeKey() {
    if (GetParam() == JwtAlgorithm::kHS256) {
      return SigningKey::FromSecret("0123456789abcdef0123456789abcdef");
    }
    return SigningKey::Generate(GetParam()).value();
  }
};

TEST_P(JwtCodecAlgorithmTest, RoundTripsClaims) {
  JwtCodec codec(MakeKey());
  absl::StatusOr<std::string> token = codec.Sign(Claims());
  ASSERT_THAT(token, IsOk());
  absl::StatusOr<core::AccessClaims> claims = codec.Verify(*token);
  ASSERT_THAT(claims, IsOk());
  EXPECT_EQ(claims->subject, "user-1");
  EXPECT_EQ(claims->username, "alice");
  EXPECT_EQ(claims->roles, (std::vector<std::string>{"user", "admin"}));
  EXPECT_EQ(claims->token_id, "jti-1");
  EXPECT_EQ(claims->session_id, "sid-1");
  EXPECT_EQ(claims->audience, "api");
  EXPECT_EQ(claims->expires_at, 1900);
  const std::string header = DecodePart(*token, 0);
  EXPECT_NE(header.find(R"("typ":"at+jwt")"), std::string::npos) << header;
  EXPECT_NE(header.find(absl::StrCat(R"("alg":")", JwtAlgorithmName(GetParam()), "\"")),
            std::string::npos)
      << header;
  EXPECT_NE(header.find(codec.active_key().kid()), std::string::npos);
}

TEST_P(JwtCodecAlgorithmTest, RejectsTamperedPayloadAndSignature) {
  JwtCodec codec(MakeKey());
  const std::string token = codec.Sign(Claims()).value();
  std::string payload = DecodePart(token, 1);
  payload.replace(payload.find("alice"), 5, "mallo");
  const std::string forged =
      absl::StrCat(Part(token, 0), ".", Encode(payload), ".", Part(token, 2));
  EXPECT_THAT(codec.Verify(forged), StatusIs(absl::StatusCode::kUnauthenticated));
  std::string bad_sig = token;
  bad_sig[bad_sig.size() - 3] = bad_sig[bad_sig.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_THAT(codec.Verify(bad_sig), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(codec.Verify(absl::StrCat(Part(token, 0), ".", Part(token, 1), ".")),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(JwtCodecAlgorithmTest, RejectsTokenFromAnotherKey) {
  JwtCodec codec(MakeKey());
  JwtCodec other(GetParam() == JwtAlgorithm::kHS256
                     ? SigningKey::FromSecret("another-secret-another-secret-xx")
                     : SigningKey::Generate(GetParam()).value());
  EXPECT_THAT(codec.Verify(other.Sign(Claims()).value()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwtCodecAlgorithmTest,
                         ::testing::Values(JwtAlgorithm::kES256, JwtAlgorithm::kEdDSA,
                                           JwtAlgorithm::kHS256),
                         [](const auto& info) {
                           return std::string(JwtAlgorithmName(info.param));
                         });

TEST(JwtCodecTest, RejectsAlgNone) {
  JwtCodec codec(SigningKey::Generate(JwtAlgorithm::kES256).value());
  const std::string token = codec.Sign(Claims()).value();
  const std::string header =
      absl::StrCat(R"({"alg":"none","typ":"at+jwt","kid":")", codec.active_key().kid(), R"("})");
  EXPECT_THAT(codec.Verify(absl::StrCat(Encode(header), ".", Part(token, 1), ".")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(codec.Verify(absl::StrCat(Encode(header), ".", Part(token, 1), ".", Part(token, 2))),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(JwtCodecTest, RejectsPsychicEcdsaSignature) {
  // CVE-2022-21449: an all-zero r||s must never verify.
  JwtCodec codec(SigningKey::Generate(JwtAlgorithm::kES256).value());
  const std::string token = codec.Sign(Claims()).value();
  const std::string zeros(64, '\0');
  EXPECT_THAT(codec.Verify(absl::StrCat(Part(token, 0), ".", Part(token, 1), ".",
                                        absl::WebSafeBase64Escape(zeros))),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // A DER-encoded signature (what OpenSSL emits natively) is not a JWS signature either.
  EXPECT_THAT(codec.Verify(absl::StrCat(Part(token, 0), ".", Part(token, 1), ".",
                                        absl::WebSafeBase64Escape(std::string(72, '\x30')))),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(JwtCodecTest, IgnoresEmbeddedKeysAndKeyUrls) {
  // jwk / jku / x5u in the header must not make the token trusted by another key.
  SigningKey attacker = SigningKey::Generate(JwtAlgorithm::kES256).value();
  JwtCodec codec(SigningKey::Generate(JwtAlgorithm::kES256).value());
  const std::string header =
      absl::StrCat(R"({"alg":"ES256","typ":"at+jwt","kid":")", attacker.kid(), R"(","jwk":)",
                   attacker.PublicJwkMembers(), R"(,"jku":"http://127.0.0.1/jwks"})");
  const std::string input =
      absl::StrCat(Encode(header), ".", Part(codec.Sign(Claims()).value(), 1));
  const std::string forged =
      absl::StrCat(input, ".", absl::WebSafeBase64Escape(attacker.Sign(input).value()));
  EXPECT_THAT(codec.Verify(forged), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(JwtCodecTest, RejectsAlgorithmSubstitutionToHs256WithPublicKey) {
  // Classic confusion attack: sign with HS256 using the public key text as the secret.
  SigningKey es = SigningKey::Generate(JwtAlgorithm::kES256).value();
  JwtCodec codec(es);
  const std::string header =
      absl::StrCat(R"({"alg":"HS256","typ":"at+jwt","kid":")", es.kid(), R"("})");
  const std::string input =
      absl::StrCat(Encode(header), ".", Part(codec.Sign(Claims()).value(), 1));
  SigningKey confused = SigningKey::FromSecret(es.PublicJwkMembers());
  const std::string forged =
      absl::StrCat(input, ".", absl::WebSafeBase64Escape(confused.Sign(input).value()));
  EXPECT_THAT(codec.Verify(forged), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(JwtCodecTest, RejectsWrongTypeUnknownKidCritAndGarbage) {
  SigningKey key = SigningKey::FromSecret("0123456789abcdef0123456789abcdef");
  JwtCodec codec(key);
  const std::string payload = Part(codec.Sign(Claims()).value(), 1);
  auto signed_with = [&](const std::string& header) {
    const std::string input = absl::StrCat(Encode(header), ".", payload);
    return absl::StrCat(input, ".", absl::WebSafeBase64Escape(key.Sign(input).value()));
  };
  const std::string kid = key.kid();
  EXPECT_THAT(codec.Verify(
                  signed_with(absl::StrCat(R"({"alg":"HS256","typ":"JWT","kid":")", kid, R"("})"))),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(codec.Verify(signed_with(R"({"alg":"HS256","typ":"at+jwt","kid":"other"})")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(codec.Verify(signed_with(absl::StrCat(R"({"alg":"HS256","typ":"at+jwt","kid":")", kid,
                                                    R"(","crit":["x"]})"))),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(codec.Verify(signed_with(
                  absl::StrCat(R"({"alg":"HS256","typ":"at+jwt","kid":")", kid, R"("})"))),
              IsOk());
  for (absl::string_view garbage : {"", ".", "..", "a.b.c", "a.b", "a.b.c.d",
                                    "====.====.====", "eyJ9.eyJ9.AAAA", "\xff\xfe.\x00.x"}) {
    EXPECT_THAT(codec.Verify(garbage), StatusIs(absl::StatusCode::kUnauthenticated)) << garbage;
  }
}

TEST(JwtCodecTest, RejectsClaimsOfWrongTypes) {
  SigningKey key = SigningKey::FromSecret("0123456789abcdef0123456789abcdef");
  JwtCodec codec(key);
  const std::string header = Part(codec.Sign(Claims()).value(), 0);
  auto signed_payload = [&](const std::string& payload) {
    const std::string input = absl::StrCat(header, ".", Encode(payload));
    return absl::StrCat(input, ".", absl::WebSafeBase64Escape(key.Sign(input).value()));
  };
  EXPECT_THAT(
      codec.Verify(signed_payload(
          R"({"iss":"warden","aud":"api","sub":"u","jti":"j","exp":"1900","iat":1,"nbf":1})")),
      StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(
      codec.Verify(signed_payload(
          R"({"iss":"warden","aud":"api","sub":"u","jti":"j","exp":1900,"iat":1,"nbf":1,"roles":"admin"})")),
      StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(codec.Verify(signed_payload("[1,2,3]")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(
      codec.Verify(signed_payload(
          R"({"iss":"warden","aud":"api","sub":"u","jti":"j","exp":1900,"iat":1,"nbf":1})")),
      IsOk());
}

TEST(SigningKeyTest, PemRoundTripKeepsKid) {
  for (JwtAlgorithm algorithm : {JwtAlgorithm::kES256, JwtAlgorithm::kEdDSA}) {
    SigningKey key = SigningKey::Generate(algorithm).value();
    absl::StatusOr<SigningKey> loaded = SigningKey::FromPem(key.PrivateKeyPem().value());
    ASSERT_THAT(loaded, IsOk());
    EXPECT_EQ(loaded->kid(), key.kid());
    EXPECT_EQ(loaded->algorithm(), algorithm);
  }
  EXPECT_THAT(SigningKey::FromPem("not a key"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SigningKeyTest, ParsesOnlyKnownAlgorithms) {
  EXPECT_THAT(ParseJwtAlgorithm("ES256"), IsOk());
  EXPECT_THAT(ParseJwtAlgorithm("none"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseJwtAlgorithm("RS256"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace warden::crypto
