#include "crypto/key_ring.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "common/testing/status_matchers.h"
#include "crypto/sodium_primitives.h"

namespace warden::crypto {
namespace {

using ::testing::HasSubstr;

const core::WallTime kT0 = core::WallTime(std::chrono::seconds(1'800'000'000));

core::AccessClaims Claims() {
  return core::AccessClaims{.issuer = "warden",
                            .audience = "warden",
                            .subject = "u",
                            .token_id = "j",
                            .issued_at = 1,
                            .not_before = 1,
                            .expires_at = 2};
}

TEST(MasterKeyTest, SealsBoundToContext) {
  ASSERT_TRUE(InitSodium());
  MasterKey key = MasterKey::Generate();
  const std::string sealed = key.Seal("private pem", "kid-1");
  EXPECT_THAT(sealed, ::testing::StartsWith("v1."));
  EXPECT_EQ(key.Open(sealed, "kid-1").value(), "private pem");
  EXPECT_THAT(key.Open(sealed, "kid-2"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MasterKey::Generate().Open(sealed, "kid-1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(key.Open("v1.AAAA", "kid-1"), StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<MasterKey> parsed = MasterKey::FromBase64(key.ToBase64() + "\n");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->Open(sealed, "kid-1").value(), "private pem");
  EXPECT_THAT(MasterKey::FromBase64("c2hvcnQ="), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KeyRingTest, CreatedKeysInstallSignVerifyAndPublish) {
  ASSERT_TRUE(InitSodium());
  KeyRing ring(MasterKey::Generate());
  EXPECT_THAT(ring.Sign(Claims()), StatusIs(absl::StatusCode::kUnavailable));
  core::SigningKeyRecord first = ring.CreateSigningKey("ES256", kT0, kT0).value();
  core::SigningKeyRecord second = ring.CreateSigningKey("EdDSA", kT0, kT0).value();
  EXPECT_THAT(first.sealed_private_key, ::testing::Not(HasSubstr("PRIVATE KEY")));
  ASSERT_THAT(ring.InstallSigningKeys(first.kid, {first, second}), IsOk());
  EXPECT_EQ(ring.SigningKid(), first.kid);
  const std::string token = ring.Sign(Claims()).value();

  nlohmann::json jwks = nlohmann::json::parse(ring.JwksJson());
  ASSERT_EQ(jwks["keys"].size(), 2u);
  EXPECT_EQ(jwks["keys"][0]["kid"], first.kid);
  EXPECT_EQ(jwks["keys"][0]["alg"], "ES256");
  EXPECT_EQ(jwks["keys"][0]["kty"], "EC");
  EXPECT_EQ(jwks["keys"][0]["use"], "sig");
  EXPECT_FALSE(jwks["keys"][0].contains("d")) << "never publish the private part";
  EXPECT_EQ(jwks["keys"][1]["kty"], "OKP");
  EXPECT_EQ(ring.Algorithms(), (std::vector<std::string>{"ES256", "EdDSA"}));

  // The successor signs; the old key still verifies until it is dropped.
  ASSERT_THAT(ring.InstallSigningKeys(second.kid, {first, second}), IsOk());
  EXPECT_THAT(ring.Verify(token), IsOk());
  ASSERT_THAT(ring.InstallSigningKeys(second.kid, {second}), IsOk());
  EXPECT_THAT(ring.Verify(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(KeyRingTest, RefusesRowsSealedByAnotherMasterKeyOrMovedBetweenRows) {
  ASSERT_TRUE(InitSodium());
  KeyRing maker(MasterKey::Generate());
  KeyRing other(MasterKey::Generate());
  core::SigningKeyRecord a = maker.CreateSigningKey("ES256", kT0, kT0).value();
  core::SigningKeyRecord b = maker.CreateSigningKey("ES256", kT0, kT0).value();
  EXPECT_THAT(other.InstallSigningKeys(a.kid, {a}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "cannot open"));
  core::SigningKeyRecord swapped = a;
  swapped.sealed_private_key = b.sealed_private_key;
  EXPECT_THAT(maker.InstallSigningKeys(a.kid, {swapped}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(maker.InstallSigningKeys("absent", {a}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(KeyRingTest, FixedRingSignsWithItsKeyAndNeverPublishesSecrets) {
  std::unique_ptr<KeyRing> ring =
      KeyRing::Fixed(SigningKey::FromSecret("0123456789abcdef0123456789abcdef"));
  EXPECT_THAT(ring->Verify(ring->Sign(Claims()).value()), IsOk());
  EXPECT_EQ(ring->JwksJson(), R"({"keys":[]})");
  EXPECT_THAT(ring->CreateSigningKey("ES256", kT0, kT0),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(KeyRingTest, VerifyOnlyRingFromPublishedJwksVerifiesButCannotSign) {
  ASSERT_TRUE(InitSodium());
  KeyRing issuer(MasterKey::Generate());
  core::SigningKeyRecord es = issuer.CreateSigningKey("ES256", kT0, kT0).value();
  core::SigningKeyRecord ed = issuer.CreateSigningKey("EdDSA", kT0, kT0).value();
  ASSERT_THAT(issuer.InstallSigningKeys(ed.kid, {es, ed}), IsOk());
  const std::string token = issuer.Sign(Claims()).value();

  KeyRing verifier(std::nullopt);
  ASSERT_THAT(verifier.InstallJwks(issuer.JwksJson()), IsOk());
  EXPECT_TRUE(verifier.Trusts(es.kid));
  EXPECT_TRUE(verifier.Trusts(ed.kid));
  EXPECT_THAT(verifier.Verify(token), IsOk());
  EXPECT_THAT(verifier.Sign(Claims()), ::testing::Not(IsOk()));
  EXPECT_EQ(JwtCodec::PeekKid(token), ed.kid);
  EXPECT_EQ(JwtCodec::PeekKid("garbage"), "");
}

TEST(SigningKeyTest, PublicJwkIsCheckedStrictly) {
  ASSERT_TRUE(InitSodium());
  SigningKey key = SigningKey::Generate(JwtAlgorithm::kES256).value();
  nlohmann::json jwk = nlohmann::json::parse(key.PublicJwkMembers());
  jwk["kid"] = key.kid();
  EXPECT_THAT(SigningKey::FromPublicJwk(jwk.dump()), IsOk());
  nlohmann::json wrong_kid = jwk;
  wrong_kid["kid"] = "attacker-chosen";
  EXPECT_THAT(SigningKey::FromPublicJwk(wrong_kid.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument, "thumbprint"));
  nlohmann::json off_curve = jwk;
  off_curve["y"] = absl::WebSafeBase64Escape(std::string(32, '\x01'));
  EXPECT_THAT(SigningKey::FromPublicJwk(off_curve.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  nlohmann::json with_private = jwk;
  with_private["d"] = "AAAA";
  EXPECT_THAT(SigningKey::FromPublicJwk(with_private.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument, "private"));
  EXPECT_THAT(SigningKey::FromPublicJwk(R"({"kty":"RSA","n":"x","e":"AQAB"})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SigningKey::FromPublicJwk("[]"), StatusIs(absl::StatusCode::kInvalidArgument));
  KeyRing ring(std::nullopt);
  EXPECT_THAT(ring.InstallJwks(R"({"keys":[]})"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ring.InstallJwks("not json"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace warden::crypto
