// The JWT attack catalogue (issue #3), each case against the codec and, where time or policy is
// involved, the full validator. Complements jwt_codec_test.cc.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "core/access_token_validator.h"
#include "crypto/jwt_codec.h"

namespace warden::crypto {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

std::string B64(absl::string_view text) { return absl::WebSafeBase64Escape(text); }

class JwtHardeningTest : public ::testing::Test {
 protected:
  JwtHardeningTest()
      : key_(SigningKey::Generate(JwtAlgorithm::kES256).value()),
        codec_(key_),
        validator_(codec_, revocations_, clock_, {.leeway = seconds(30)}) {}

  int64_t Now() const {
    return std::chrono::duration_cast<seconds>(clock_.WallNow().time_since_epoch()).count();
  }
  Json Header() const { return {{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", key_.kid()}}; }
  Json Payload() const {
    return {{"iss", "warden"},     {"aud", "warden"},  {"sub", "u-1"}, {"jti", "j-1"},
            {"sid", "s-1"},        {"iat", Now()},     {"nbf", Now()}, {"exp", Now() + 900},
            {"username", "alice"}, {"roles", {"user"}}};
  }
  // Signs header.payload with our real key (what an attacker cannot do, unless the check is
  // about something other than the signature).
  std::string Signed(const Json& header, const Json& payload) const {
    const std::string input = absl::StrCat(B64(header.dump()), ".", B64(payload.dump()));
    return absl::StrCat(input, ".", B64(key_.Sign(input).value()));
  }
  absl::Status Check(const std::string& token) const { return validator_.Validate(token).status(); }

  FakeClock clock_;
  SigningKey key_;
  JwtCodec codec_;
  core::RevocationList revocations_;
  core::AccessTokenValidator validator_;
};

TEST_F(JwtHardeningTest, BaselineIsAccepted) {
  EXPECT_THAT(Check(Signed(Header(), Payload())), IsOk());
}

TEST_F(JwtHardeningTest, AlgNoneInAnyCaseIsRefused) {
  for (const char* none : {"none", "None", "NONE", "nOnE"}) {
    Json header = Header();
    header["alg"] = none;
    const std::string unsigned_token =
        absl::StrCat(B64(header.dump()), ".", B64(Payload().dump()), ".");
    EXPECT_THAT(Check(unsigned_token), StatusIs(absl::StatusCode::kUnauthenticated)) << none;
    EXPECT_THAT(Check(Signed(header, Payload())), StatusIs(absl::StatusCode::kUnauthenticated))
        << none;
  }
}

TEST_F(JwtHardeningTest, StrippedOrEmptySignatureIsRefused) {
  const std::string token = Signed(Header(), Payload());
  const std::string without = token.substr(0, token.rfind('.'));
  EXPECT_THAT(Check(without), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Check(without + "."), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Check(without + ".."), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtHardeningTest, KidWithPathTraversalOrSqlFindsNoKey) {
  for (const char* kid :
       {"../../../../etc/passwd", "' OR '1'='1' --", "/dev/null", "", "%00", "kid\u0000x"}) {
    Json header = Header();
    header["kid"] = kid;
    EXPECT_THAT(Check(Signed(header, Payload())), StatusIs(absl::StatusCode::kUnauthenticated))
        << kid;
  }
}

TEST_F(JwtHardeningTest, KeyUrlAndEmbeddedKeyHeadersAreIgnored) {
  for (const char* name : {"jku", "x5u", "jwk", "x5c"}) {
    Json header = Header();
    header["kid"] = "not-ours";
    header[name] = "http://127.0.0.1:1/keys";
    EXPECT_THAT(Check(Signed(header, Payload())), StatusIs(absl::StatusCode::kUnauthenticated))
        << name;
  }
  // With our kid the token stays valid: the extra headers change nothing either way.
  Json header = Header();
  header["x5u"] = "http://127.0.0.1:1/cert";
  EXPECT_THAT(Check(Signed(header, Payload())), IsOk());
}

TEST_F(JwtHardeningTest, UnknownCritHeaderIsRefused) {
  Json header = Header();
  header["crit"] = {"exp"};
  EXPECT_THAT(Check(Signed(header, Payload())), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtHardeningTest, TimeClaimsBeyondLeewayAreRefused) {
  Json expired = Payload();
  expired["exp"] = Now() - 31;
  EXPECT_THAT(Check(Signed(Header(), expired)), StatusIs(absl::StatusCode::kUnauthenticated));
  Json within = Payload();
  within["exp"] = Now() - 29;
  EXPECT_THAT(Check(Signed(Header(), within)), IsOk());
  Json early = Payload();
  early["nbf"] = Now() + 31;
  EXPECT_THAT(Check(Signed(Header(), early)), StatusIs(absl::StatusCode::kUnauthenticated));
  Json future = Payload();
  future["iat"] = Now() + 31;
  EXPECT_THAT(Check(Signed(Header(), future)), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtHardeningTest, MissingOrMistypedRequiredClaimsAreRefused) {
  for (const char* claim : {"exp", "iat", "nbf", "iss", "aud", "sub", "jti"}) {
    Json payload = Payload();
    payload.erase(claim);
    EXPECT_THAT(Check(Signed(Header(), payload)), StatusIs(absl::StatusCode::kUnauthenticated))
        << "missing " << claim;
  }
  Json float_exp = Payload();
  float_exp["exp"] = 1e18;
  EXPECT_THAT(Check(Signed(Header(), float_exp)), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtHardeningTest, WrongIssuerOrAudienceIsRefused) {
  Json issuer = Payload();
  issuer["iss"] = "https://evil.example";
  EXPECT_THAT(Check(Signed(Header(), issuer)), StatusIs(absl::StatusCode::kUnauthenticated));
  Json audience = Payload();
  audience["aud"] = {"other-service"};
  EXPECT_THAT(Check(Signed(Header(), audience)), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtHardeningTest, MalformedEncodingIsRefused) {
  const std::string token = Signed(Header(), Payload());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_THAT(Check(absl::StrCat(parts[0], "=.", parts[1], ".", parts[2])),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Check(absl::StrCat(parts[0], "+/.", parts[1], ".", parts[2])),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Check(absl::StrCat(B64("{not json"), ".", parts[1], ".", parts[2])),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Check(absl::StrCat(parts[0], ".", B64("[]"), ".", parts[2])),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// One encoding per token: the same bytes spelled another way (spare low bits set in the last
// digit, whitespace) are refused, whichever part carries them.
TEST_F(JwtHardeningTest, NonCanonicalOrSpacedBase64IsRefused) {
  const std::string token = Signed(Header(), Payload());
  ASSERT_TRUE(Check(token).ok());
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int spelled = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].size() % 4 == 0) {
      continue;  // no spare bits to set
    }
    std::vector<std::string> changed = parts;
    changed[i].back() = digits[digits.find(parts[i].back()) | 1];
    std::string same_bytes;
    ASSERT_TRUE(absl::WebSafeBase64Unescape(changed[i], &same_bytes));
    std::string original;
    ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[i], &original));
    ASSERT_EQ(same_bytes, original) << "the change must not alter the bytes";
    EXPECT_THAT(Check(absl::StrJoin(changed, ".")), StatusIs(absl::StatusCode::kUnauthenticated))
        << "part " << i;
    ++spelled;
  }
  EXPECT_GT(spelled, 0);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::vector<std::string> spaced = parts;
    spaced[i].insert(4, " ");
    EXPECT_THAT(Check(absl::StrJoin(spaced, ".")), StatusIs(absl::StatusCode::kUnauthenticated));
    spaced[i].replace(4, 1, "\n");
    EXPECT_THAT(Check(absl::StrJoin(spaced, ".")), StatusIs(absl::StatusCode::kUnauthenticated));
  }
}

TEST_F(JwtHardeningTest, MegabyteTokenIsRefusedWithoutParsing) {
  const std::string huge = absl::StrCat(Signed(Header(), Payload()), std::string(1 << 20, 'A'));
  EXPECT_THAT(Check(huge), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(JwtCodec::PeekKid(std::string(1 << 20, 'A')), "");
}

}  // namespace
}  // namespace warden::crypto
