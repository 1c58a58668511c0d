#include "verifier/token_verifier.h"

#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "crypto/sodium_primitives.h"

namespace warden::verifier {
namespace {

using std::chrono::seconds;

// Serves the JWKS of an issuing key ring and counts fetches.
class FakeJwksSource final : public JwksSource {
 public:
  explicit FakeJwksSource(crypto::KeyRing& ring) : ring_(ring) {}
  absl::StatusOr<std::string> FetchJwks() override {
    ++calls;
    if (down) {
      return absl::UnavailableError("down");
    }
    return ring_.JwksJson();
  }
  int calls = 0;
  bool down = false;

 private:
  crypto::KeyRing& ring_;
};

class TokenVerifierTest : public ::testing::Test {
 protected:
  TokenVerifierTest() : issuer_(crypto::MasterKey::Generate()), source_(issuer_) {}

  void SetUp() override {
    ASSERT_TRUE(crypto::InitSodium());
    first_ = issuer_.CreateSigningKey("ES256", clock_.WallNow(), clock_.WallNow()).value();
    ASSERT_THAT(issuer_.InstallSigningKeys(first_.kid, {first_}), IsOk());
  }

  std::string Token(std::string issuer = "warden") {
    const int64_t now =
        std::chrono::duration_cast<seconds>(clock_.WallNow().time_since_epoch()).count();
    return issuer_
        .Sign(core::AccessClaims{.issuer = issuer,
                                 .audience = "warden",
                                 .subject = "user-1",
                                 .username = "alice",
                                 .roles = {"user"},
                                 .token_id = "jti-" + std::to_string(++counter_),
                                 .session_id = "sid-1",
                                 .issued_at = now,
                                 .not_before = now,
                                 .expires_at = now + 900})
        .value();
  }

  FakeClock clock_;
  crypto::KeyRing issuer_;
  FakeJwksSource source_;
  core::SigningKeyRecord first_;
  int counter_ = 0;
};

TEST_F(TokenVerifierTest, VerifiesTokensWithFetchedKeys) {
  TokenVerifier verifier(source_, clock_, {});
  ASSERT_THAT(verifier.Refresh(), IsOk());
  absl::StatusOr<core::AccessClaims> claims = verifier.Verify(Token());
  ASSERT_THAT(claims, IsOk());
  EXPECT_EQ(claims->username, "alice");
  EXPECT_THAT(verifier.Verify(Token("someone-else")), StatusIs(absl::StatusCode::kUnauthenticated));
  clock_.Advance(seconds(900 + 31));
  EXPECT_THAT(verifier.Verify(Token()), IsOk());
}

TEST_F(TokenVerifierTest, UnknownKidTriggersOneRateLimitedRefetch) {
  TokenVerifier verifier(source_, clock_, {.min_refetch_interval = seconds(30)});
  ASSERT_THAT(verifier.Refresh(), IsOk());
  clock_.Advance(seconds(31));
  // Warden rotates: the new key appears in its JWKS.
  core::SigningKeyRecord second =
      issuer_.CreateSigningKey("ES256", clock_.WallNow(), clock_.WallNow()).value();
  ASSERT_THAT(issuer_.InstallSigningKeys(second.kid, {first_, second}), IsOk());
  const int before = source_.calls;
  EXPECT_THAT(verifier.Verify(Token()), IsOk()) << "refetched on the unknown kid";
  EXPECT_EQ(source_.calls, before + 1);
  // Forged tokens with made-up kids do not make it call Warden again within the interval.
  for (int i = 0; i < 50; ++i) {
    EXPECT_THAT(verifier.Verify("eyJhbGciOiJFUzI1NiIsImtpZCI6InJhbmRvbSJ9.e30.AAAA"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  EXPECT_EQ(source_.calls, before + 1);
}

TEST_F(TokenVerifierTest, RevocationsRejectTokens) {
  TokenVerifier verifier(source_, clock_, {});
  ASSERT_THAT(verifier.Refresh(), IsOk());
  const std::string token = Token();
  ASSERT_THAT(verifier.Verify(token), IsOk());
  verifier.revocations().RevokeSession("sid-1", clock_.WallNow() + seconds(1000));
  EXPECT_THAT(verifier.Verify(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(TokenVerifierTest, KeepsOldKeysWhenWardenIsDown) {
  TokenVerifier verifier(source_, clock_, {});
  ASSERT_THAT(verifier.Refresh(), IsOk());
  source_.down = true;
  EXPECT_THAT(verifier.Refresh(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(verifier.Verify(Token()), IsOk());
}

}  // namespace
}  // namespace warden::verifier
