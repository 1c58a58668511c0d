#include "core/auth_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/retry_after.h"
#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "core/login_throttle.h"
#include "core/testing/fakes.h"
#include "storage/memory/memory_stores.h"

#include "storage/memory/testing/fake_auth_ports.h"

namespace warden::core {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

class AuthServiceTest : public ::testing::Test, protected storage::testing::FakeAuthPorts {
 protected:
  void SetUp() override {
    AuthService::Ports ports = FakePorts();
    ports.throttle = &throttle_;
    absl::StatusOr<std::unique_ptr<AuthService>> service = AuthService::Create(
        ports, AuthService::Options{.refresh_reuse_grace = seconds(10), .leeway = seconds(30)});
    ASSERT_THAT(service, IsOk());
    auth_ = *std::move(service);
  }

  // The fixture's fakes, shared by every service a test makes (no throttle, no events).
  AuthService::Ports FakePorts() { return AuthPorts(); }
  AuthService::Ports FakePorts(RevocationList& revocations) { return AuthPorts(revocations); }

  User RegisterAlice() {
    return auth_
        ->Register({.username = "Alice",
                    .email = "alice@example.com",
                    .password = "correct horse",
                    .full_name = "Alice A."})
        .value();
  }

  InMemoryLoginThrottle throttle_{clock_, InMemoryLoginThrottle::Options{}};
  std::unique_ptr<AuthService> auth_;
};

TEST_F(AuthServiceTest, RegisterStoresHashedPasswordAndRandomUuid) {
  const User alice = RegisterAlice();
  EXPECT_THAT(alice.id, ::testing::MatchesRegex(
                            "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  absl::StatusOr<User> stored = users_.FindByUsernameKey("alice");
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->password_hash, "fake$correct horse");
  EXPECT_EQ(stored->roles, std::vector<std::string>{"user"});
}

TEST_F(AuthServiceTest, RegisterRejectsInvalidFieldsNamingThem) {
  EXPECT_THAT(auth_->Register({.username = "al", .email = "a@b.co", .password = "12345678"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "username"));
  EXPECT_THAT(auth_->Register({.username = "alice", .email = "nope", .password = "12345678"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "email"));
  EXPECT_THAT(auth_->Register({.username = "alice", .email = "a@b.co", .password = "short"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "password"));
}

TEST_F(AuthServiceTest, RegisterRejectsDuplicatesIgnoringCase) {
  RegisterAlice();
  EXPECT_THAT(
      auth_->Register({.username = "ALICE", .email = "other@example.com", .password = "12345678"}),
      StatusIs(absl::StatusCode::kAlreadyExists, "username"));
  EXPECT_THAT(
      auth_->Register({.username = "bob", .email = "Alice@Example.COM", .password = "12345678"}),
      StatusIs(absl::StatusCode::kAlreadyExists, "email"));
}

TEST_F(AuthServiceTest, LoginIssuesTokensWithAllClaims) {
  const User alice = RegisterAlice();
  absl::StatusOr<TokenPair> pair = auth_->Login("alice", "correct horse");
  ASSERT_THAT(pair, IsOk());
  EXPECT_EQ(pair->expires_in, 900);
  EXPECT_TRUE(pair->refresh_token.starts_with("wrt_"));
  EXPECT_EQ(pair->refresh_token.size(), 4u + 43u);
  absl::StatusOr<AccessClaims> claims = auth_->Validate(pair->access_token);
  ASSERT_THAT(claims, IsOk());
  EXPECT_EQ(claims->subject, alice.id);
  EXPECT_EQ(claims->username, "Alice");
  EXPECT_EQ(claims->issuer, "warden");
  EXPECT_EQ(claims->audience, "warden");
  EXPECT_EQ(claims->expires_at - claims->issued_at, 900);
  EXPECT_FALSE(claims->token_id.empty());
  EXPECT_FALSE(claims->session_id.empty());
}

TEST_F(AuthServiceTest, TwoLoginsInOneSecondGiveDifferentTokens) {
  RegisterAlice();
  TokenPair a = auth_->Login("alice", "correct horse").value();
  TokenPair b = auth_->Login("alice", "correct horse").value();
  EXPECT_NE(a.access_token, b.access_token);
  EXPECT_NE(a.refresh_token, b.refresh_token);
  EXPECT_NE(auth_->Validate(a.access_token)->token_id, auth_->Validate(b.access_token)->token_id);
}

TEST_F(AuthServiceTest, UnknownUserAndWrongPasswordLookTheSame) {
  RegisterAlice();
  const int verified = hasher_.verifications.load();
  const int hashed = hasher_.hashes.load();
  absl::StatusOr<TokenPair> wrong = auth_->Login("alice", "wrong password");
  absl::StatusOr<TokenPair> unknown = auth_->Login("mallory", "wrong password");
  EXPECT_EQ(wrong.status(), unknown.status());
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kUnauthenticated));
  // Each spent one password hash's work: the wrong password a check, the first unknown user the
  // making of the dummy hash (not made at start-up).
  EXPECT_EQ(hasher_.verifications.load() - verified, 1);
  EXPECT_EQ(hasher_.hashes.load() - hashed, 1);
  // Every later unknown user checks against that dummy, as a known user's password is checked.
  EXPECT_THAT(auth_->Login("trudy", "wrong password"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(hasher_.verifications.load() - verified, 2);
  EXPECT_EQ(hasher_.hashes.load() - hashed, 1);
}

// A hasher whose Hash always fails (as if out of memory) and counts its calls.
class FailingHashHasher final : public PasswordHasher {
 public:
  absl::StatusOr<std::string> Hash(absl::string_view) const override {
    hashes.fetch_add(1);
    return absl::ResourceExhaustedError("no memory");
  }
  absl::StatusOr<bool> Verify(absl::string_view, absl::string_view) const override {
    verifications.fetch_add(1);
    return false;
  }
  bool NeedsRehash(absl::string_view) const override { return false; }
  mutable std::atomic<int> hashes{0};
  mutable std::atomic<int> verifications{0};
};

TEST_F(AuthServiceTest, AnUnknownUserCostsAHashEvenWhenTheDummyCannotBeMade) {
  FailingHashHasher failing;
  const AuthService::Ports fake = FakePorts();
  std::unique_ptr<AuthService> auth =
      AuthService::Create(AuthService::Ports{.users = fake.users,
                                             .sessions = fake.sessions,
                                             .hasher = failing,
                                             .codec = fake.codec,
                                             .random = fake.random,
                                             .token_hasher = fake.token_hasher,
                                             .sealer = fake.sealer,
                                             .revocations = fake.revocations,
                                             .clock = fake.clock},
                          {})
          .value();
  for (int i = 1; i <= 3; ++i) {
    EXPECT_THAT(auth->Login("mallory", "wrong password"),
                StatusIs(absl::StatusCode::kUnauthenticated));
    // Each answer spent one hash's work: no fast "no such user" to time.
    EXPECT_EQ(failing.hashes.load() + failing.verifications.load(), i);
  }
}

TEST_F(AuthServiceTest, LoginRequiresBothFields) {
  EXPECT_THAT(auth_->Login("", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(auth_->Login("alice", ""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AuthServiceTest, RejectsAccessTokenOnceExpiredPastLeeway) {
  RegisterAlice();
  TokenPair pair = auth_->Login("alice", "correct horse").value();
  clock_.Advance(seconds(900 + 29));
  EXPECT_THAT(auth_->Validate(pair.access_token), IsOk());
  clock_.Advance(seconds(1));
  EXPECT_THAT(auth_->Validate(pair.access_token),
              StatusIs(absl::StatusCode::kUnauthenticated, kInvalidToken));
}

TEST_F(AuthServiceTest, ValidateUsesVerifiedCacheOnRepeat) {
  RegisterAlice();
  TokenPair pair = auth_->Login("alice", "correct horse").value();
  ASSERT_THAT(auth_->Validate(pair.access_token), IsOk());
  const int after_first = codec_.verifications;
  ASSERT_THAT(auth_->Validate(pair.access_token), IsOk());
  EXPECT_EQ(codec_.verifications, after_first);
}

TEST_F(AuthServiceTest, RefreshRotatesARotatingSessionAndAnOlderGenerationRevokesIt) {
  RegisterAlice();
  TokenPair first = auth_->Login("alice", "correct horse", "", RefreshMode::kRotating).value();
  EXPECT_EQ(first.refresh_mode, RefreshMode::kRotating);
  clock_.Advance(seconds(1));
  absl::StatusOr<TokenPair> second = auth_->RefreshToken(first.refresh_token);
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(second->refresh_token, first.refresh_token);
  EXPECT_THAT(auth_->Validate(second->access_token), IsOk());
  absl::StatusOr<TokenPair> third = auth_->RefreshToken(second->refresh_token);
  ASSERT_THAT(third, IsOk());
  // `first` is two generations old: even within the grace window it is a reuse.
  EXPECT_THAT(auth_->RefreshToken(first.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->RefreshToken(third->refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(third->access_token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthServiceTest, ReuseAfterGraceRevokesFamilyIncludingAccessTokens) {
  RegisterAlice();
  TokenPair first = auth_->Login("alice", "correct horse", "", RefreshMode::kRotating).value();
  TokenPair second = auth_->RefreshToken(first.refresh_token).value();
  clock_.Advance(seconds(11));
  EXPECT_THAT(auth_->RefreshToken(first.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->RefreshToken(second.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(second.access_token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthServiceTest, RetryWithinGraceGetsTheSameSuccessorAndNoLongerAccess) {
  RegisterAlice();
  TokenPair first = auth_->Login("alice", "correct horse", "", RefreshMode::kRotating).value();
  TokenPair second = auth_->RefreshToken(first.refresh_token).value();
  const int64_t second_expiry = auth_->Validate(second.access_token)->expires_at;
  clock_.Advance(seconds(4));
  // The answer to `first` was lost; the client retries with it.
  absl::StatusOr<TokenPair> retry = auth_->RefreshToken(first.refresh_token);
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(retry->refresh_token, second.refresh_token);
  absl::StatusOr<AccessClaims> retried = auth_->Validate(retry->access_token);
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->expires_at, second_expiry) << "a retry does not extend the access";
  EXPECT_EQ(retry->expires_in, second_expiry - retried->issued_at);
  EXPECT_THAT(auth_->RefreshToken(second.refresh_token), IsOk());
}

TEST_F(AuthServiceTest, StableSessionKeepsOneRefreshTokenForItsLife) {
  RegisterAlice();
  // What a client built from the seed's proto does: no mode, and it keeps the login's token.
  TokenPair login = auth_->Login("alice", "correct horse").value();
  EXPECT_EQ(login.refresh_mode, RefreshMode::kStable);
  std::string previous_access = login.access_token;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(std::chrono::minutes(14));  // well past the grace window each time
    absl::StatusOr<TokenPair> refreshed = auth_->RefreshToken(login.refresh_token);
    ASSERT_THAT(refreshed, IsOk()) << "refresh " << i;
    EXPECT_EQ(refreshed->refresh_token, login.refresh_token);
    EXPECT_EQ(refreshed->refresh_mode, RefreshMode::kStable);
    EXPECT_THAT(auth_->Validate(refreshed->access_token), IsOk());
    EXPECT_THAT(auth_->Validate(previous_access), IsOk()) << "the token in use stays valid";
    previous_access = refreshed->access_token;
  }
  ASSERT_THAT(auth_->Logout(previous_access), IsOk());
  EXPECT_THAT(auth_->RefreshToken(login.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthServiceTest, StableSessionEndsAtItsAbsoluteLifetime) {
  RegisterAlice();
  TokenPair login = auth_->Login("alice", "correct horse").value();
  clock_.Advance(auth_->options().refresh_ttl - seconds(1));
  EXPECT_THAT(auth_->RefreshToken(login.refresh_token), IsOk());
  clock_.Advance(seconds(2));
  EXPECT_THAT(auth_->RefreshToken(login.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// RFC 9700 section 4.14.2: a refresh token stolen from a rotating session.
TEST_F(AuthServiceTest, StolenRotatingTokenUsedFirstByTheAttackerRevokesOnTheVictimsUse) {
  RegisterAlice();
  TokenPair victim = auth_->Login("alice", "correct horse", "", RefreshMode::kRotating).value();
  TokenPair attacker = auth_->RefreshToken(victim.refresh_token).value();
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_THAT(auth_->RefreshToken(victim.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->RefreshToken(attacker.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(attacker.access_token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthServiceTest, StolenRotatingTokenReplayedWithinGraceIsCaughtAtTheNextRotation) {
  RegisterAlice();
  TokenPair login = auth_->Login("alice", "correct horse", "", RefreshMode::kRotating).value();
  TokenPair victim = auth_->RefreshToken(login.refresh_token).value();
  clock_.Advance(seconds(2));
  // Within the window the replay looks like a retry: it gets the victim's successor ...
  TokenPair attacker = auth_->RefreshToken(login.refresh_token).value();
  EXPECT_EQ(attacker.refresh_token, victim.refresh_token);
  // ... so whoever rotates it second is a reuse, and the session dies for both.
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_THAT(auth_->RefreshToken(victim.refresh_token), IsOk());
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_THAT(auth_->RefreshToken(attacker.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(attacker.access_token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthServiceTest, StolenStableTokenDiesWithLogoutAndCannotDowngradeARotatingSession) {
  RegisterAlice();
  TokenPair stable = auth_->Login("alice", "correct horse").value();
  TokenPair attacker = auth_->RefreshToken(stable.refresh_token).value();
  EXPECT_THAT(auth_->Validate(attacker.access_token), IsOk());
  ASSERT_THAT(auth_->Logout(stable.access_token), IsOk());
  EXPECT_THAT(auth_->RefreshToken(stable.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(attacker.access_token), StatusIs(absl::StatusCode::kUnauthenticated));
  // A rotating session stays rotating whoever presents its token: RefreshToken carries no mode.
  TokenPair rotating = auth_->Login("alice", "correct horse", "", RefreshMode::kRotating).value();
  TokenPair next = auth_->RefreshToken(rotating.refresh_token).value();
  EXPECT_NE(next.refresh_token, rotating.refresh_token);
  EXPECT_EQ(next.refresh_mode, RefreshMode::kRotating);
}

TEST_F(AuthServiceTest, AlwaysPolicyRotatesEverySessionAndRefusesStable) {
  std::unique_ptr<AuthService> auth =
      AuthService::Create(FakePorts(), {.refresh_policy = AuthService::RefreshPolicy::kAlways})
          .value();
  RegisterAlice();
  TokenPair pair = auth->Login("alice", "correct horse").value();
  EXPECT_EQ(pair.refresh_mode, RefreshMode::kRotating);
  EXPECT_NE(auth->RefreshToken(pair.refresh_token)->refresh_token, pair.refresh_token);
  EXPECT_THAT(auth->Login("alice", "correct horse", "", RefreshMode::kStable),
              StatusIs(absl::StatusCode::kInvalidArgument, "refresh_token_mode"));
}

TEST_F(AuthServiceTest, AccessAndRefreshTokensAreNotInterchangeable) {
  RegisterAlice();
  TokenPair pair = auth_->Login("alice", "correct horse").value();
  EXPECT_THAT(auth_->RefreshToken(pair.access_token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(pair.refresh_token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthServiceTest, LogoutRevokesAccessTokenAndRefreshFamily) {
  RegisterAlice();
  TokenPair pair = auth_->Login("alice", "correct horse").value();
  TokenPair other_session = auth_->Login("alice", "correct horse").value();
  ASSERT_THAT(auth_->Logout(pair.access_token), IsOk());
  EXPECT_THAT(auth_->Validate(pair.access_token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->RefreshToken(pair.refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Logout(pair.access_token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(other_session.access_token), IsOk()) << "other sessions live on";
}

TEST_F(AuthServiceTest, RevocationsSurviveRestartThroughTheStore) {
  RegisterAlice();
  TokenPair pair = auth_->Login("alice", "correct horse").value();
  ASSERT_THAT(auth_->Logout(pair.access_token), IsOk());
  RevocationList fresh;
  std::unique_ptr<AuthService> restarted = AuthService::Create(FakePorts(fresh), {}).value();
  EXPECT_THAT(restarted->Validate(pair.access_token), IsOk()) << "before loading";
  ASSERT_THAT(restarted->LoadRevocations(), IsOk());
  EXPECT_THAT(restarted->Validate(pair.access_token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthServiceTest, ValidateRejectsWrongIssuerOrAudience) {
  AccessClaims claims{.issuer = "someone-else",
                      .audience = "warden",
                      .subject = "u",
                      .token_id = "j",
                      .issued_at = 1'800'000'000,
                      .not_before = 1'800'000'000,
                      .expires_at = 1'800'000'900};
  const std::string wrong_issuer = codec_.Sign(claims).value();
  claims.issuer = "warden";
  claims.audience = "other";
  const std::string wrong_audience = codec_.Sign(claims).value();
  claims.audience = "warden";
  claims.not_before = 1'800'000'100;
  const std::string not_yet = codec_.Sign(claims).value();
  EXPECT_THAT(auth_->Validate(wrong_issuer), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(wrong_audience), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(not_yet), StatusIs(absl::StatusCode::kUnauthenticated));
}

// Counts every event, keyed by a short name.
class RecordingEvents final : public AuthEvents {
 public:
  void OnRegister(bool created) override {
    Add(created ? "register.created" : "register.rejected");
  }
  void OnLogin(LoginResult r) override { Add("login." + std::to_string(static_cast<int>(r))); }
  void OnRefresh(RefreshResult r) override {
    Add("refresh." + std::to_string(static_cast<int>(r)));
  }
  void OnTokenIssued(TokenKind k) override { Add("issued." + std::to_string(static_cast<int>(k))); }
  void OnValidation(bool valid) override { Add(valid ? "valid" : "invalid"); }
  void OnLogout() override { Add("logout"); }
  void OnPasswordHash(std::chrono::nanoseconds) override { Add("hash"); }
  int Count(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_[name];
  }

 private:
  void Add(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counts_[name];
  }
  std::mutex mutex_;
  std::map<std::string, int> counts_;
};

TEST_F(AuthServiceTest, ReportsEventsForMetrics) {
  RecordingEvents events;
  AuthService::Ports ports = FakePorts();
  ports.events = &events;
  std::unique_ptr<AuthService> auth =
      AuthService::Create(ports, {.refresh_reuse_grace = seconds(10)}).value();
  ASSERT_THAT(auth->Register({.username = "zed", .email = "z@example.com", .password = "12345678"}),
              IsOk());
  EXPECT_FALSE(
      auth->Register({.username = "ZED", .email = "y@example.com", .password = "12345678"}).ok());
  EXPECT_FALSE(auth->Login("zed", "wrong-password").ok());
  TokenPair pair = auth->Login("zed", "12345678", "", RefreshMode::kRotating).value();
  TokenPair next = auth->RefreshToken(pair.refresh_token).value();
  clock_.Advance(seconds(11));
  EXPECT_FALSE(auth->RefreshToken(pair.refresh_token).ok());
  EXPECT_FALSE(auth->Validate("garbage").ok());
  EXPECT_FALSE(auth->Validate(next.access_token).ok()) << "family revoked by the reuse";
  EXPECT_EQ(events.Count("register.created"), 1);
  EXPECT_EQ(events.Count("register.rejected"), 1);
  EXPECT_EQ(events.Count("login.0"), 1);    // success
  EXPECT_EQ(events.Count("login.1"), 1);    // invalid credentials
  EXPECT_EQ(events.Count("refresh.0"), 1);  // rotated
  EXPECT_EQ(events.Count("refresh.3"), 1);  // reuse detected
  EXPECT_EQ(events.Count("issued.0"), 2);
  EXPECT_EQ(events.Count("invalid"), 2);
  EXPECT_EQ(events.Count("hash"), 4);  // 2 registrations + 2 logins
}

TEST_F(AuthServiceTest, GuessingFromOneAddressPausesOnlyThatAddressForTheAccount) {
  RegisterAlice();
  for (int i = 0; i < 10; ++i) {
    // Wait out each progressive delay, so every attempt really checks a password.
    clock_.Advance(std::chrono::minutes(1));
    EXPECT_THAT(auth_->Login("alice", "wrong password", "10.0.0.1"),
                StatusIs(absl::StatusCode::kUnauthenticated, std::string(kInvalidCredentials)));
  }
  clock_.Advance(std::chrono::minutes(1));
  const int hashes_before = hasher_.verifications.load();
  absl::StatusOr<TokenPair> paused = auth_->Login("alice", "correct horse", "10.0.0.1");
  EXPECT_THAT(paused, StatusIs(absl::StatusCode::kResourceExhausted, "from this address"));
  ASSERT_TRUE(RetryAfterOf(paused.status()).has_value());
  EXPECT_EQ(*RetryAfterOf(paused.status()), std::chrono::minutes(14));
  EXPECT_EQ(hasher_.verifications.load(), hashes_before) << "refused before the password";
  // Alice herself, from her own address, is not locked out by the guessing.
  EXPECT_THAT(auth_->Login("alice", "correct horse", "10.0.0.2"), IsOk());
  clock_.Advance(std::chrono::minutes(14));
  EXPECT_THAT(auth_->Login("alice", "correct horse", "10.0.0.1"), IsOk());
}

TEST_F(AuthServiceTest, DelayedPairIsRefusedWithoutCheckingThePassword) {
  RegisterAlice();
  for (int i = 0; i < 4; ++i) {
    (void)auth_->Login("alice", "wrong password", "10.0.0.1");
  }
  const int hashes_before = hasher_.verifications.load();
  absl::StatusOr<TokenPair> delayed = auth_->Login("alice", "correct horse", "10.0.0.1");
  EXPECT_THAT(delayed, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(*RetryAfterOf(delayed.status()), seconds(1));
  EXPECT_EQ(hasher_.verifications.load(), hashes_before);
  clock_.Advance(seconds(1));
  EXPECT_THAT(auth_->Login("alice", "correct horse", "10.0.0.1"), IsOk());
}

TEST_F(AuthServiceTest, AFloodFromOneAddressDelaysAnotherAccountsCorrectLoginOnlyBriefly) {
  RegisterAlice();
  ASSERT_THAT(
      auth_->Register(
          {.username = "carol", .email = "carol@example.com", .password = "carol's password"}),
      IsOk());
  ASSERT_THAT(auth_->Login("carol", "carol's password", "203.0.113.9"), IsOk());
  for (int i = 0; i < 200; ++i) {
    (void)auth_->Login("nobody" + std::to_string(i), "wrong password", "203.0.113.9");
  }
  // Carol has logged in from this address (a shared NAT) before: she is let straight in.
  EXPECT_THAT(auth_->Login("carol", "carol's password", "203.0.113.9"), IsOk());
  // Alice has not: she waits for one failure's worth of budget, not for a 15-minute lockout.
  absl::StatusOr<TokenPair> refused = auth_->Login("alice", "correct horse", "203.0.113.9");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted, "address"));
  ASSERT_TRUE(RetryAfterOf(refused.status()).has_value());
  EXPECT_LE(*RetryAfterOf(refused.status()), seconds(18));
  clock_.Advance(*RetryAfterOf(refused.status()));
  EXPECT_THAT(auth_->Login("alice", "correct horse", "203.0.113.9"), IsOk());
  // From elsewhere nothing changed.
  EXPECT_THAT(auth_->Login("alice", "correct horse", "198.51.100.7"), IsOk());
}

TEST_F(AuthServiceTest, GuessingFromEverywhereIsCappedButTheOwnersAddressStillWorks) {
  RegisterAlice();
  ASSERT_THAT(auth_->Login("alice", "correct horse", "192.0.2.1"), IsOk());  // her usual place
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    absl::StatusOr<TokenPair> guess =
        auth_->Login("alice", "guess" + std::to_string(i),
                     "10.8." + std::to_string(i / 200) + "." + std::to_string(i % 200));
    checked += guess.status().code() == absl::StatusCode::kUnauthenticated ? 1 : 0;
  }
  EXPECT_EQ(checked, 100) << "ASVS 2.2.1: at most 100 failed checks an hour";
  EXPECT_THAT(auth_->Login("alice", "correct horse", "192.0.2.1"), IsOk());
  absl::StatusOr<TokenPair> elsewhere = auth_->Login("alice", "correct horse", "198.51.100.1");
  EXPECT_THAT(elsewhere, StatusIs(absl::StatusCode::kResourceExhausted, "this account"));
  EXPECT_LE(*RetryAfterOf(elsewhere.status()), std::chrono::hours(1));
}

TEST_F(AuthServiceTest, DisabledUserCannotLogIn) {
  User alice = RegisterAlice();
  alice.disabled = true;
  users_.ReplaceForTest(alice);
  EXPECT_THAT(auth_->Login("alice", "correct horse"),
              StatusIs(absl::StatusCode::kUnauthenticated, std::string(kInvalidCredentials)));
}

TEST(UuidTest, IsVersion4Variant1) {
  FakeRandomSource random;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewUuidV4(random);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_THAT(std::string("89ab"), HasSubstr(std::string(1, id[19])));
  }
}

}  // namespace
}  // namespace warden::core
