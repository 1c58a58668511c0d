#include "storage/contract/store_contract.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"

namespace warden::storage {

using std::chrono::seconds;

core::User ContractUser(const std::string& name, std::string email) {
  if (email.empty()) {
    email = absl::StrCat(name, "@example.com");
  }
  return core::User{
      .id = absl::StrCat("id-", name, "-", email),
      .username = name,
      .username_key = absl::AsciiStrToLower(name),
      .email = email,
      .email_key = absl::AsciiStrToLower(email),
      .full_name = "Full Name",
      .password_hash = "$hash$",
      .roles = {"user", "admin"},
      .created_at = kContractNow,
  };
}

core::Session ContractSession(std::string id, std::string user_id) {
  return core::Session{.id = std::move(id),
                       .user_id = std::move(user_id),
                       .created_at = kContractNow,
                       .expires_at = kContractNow + std::chrono::hours(1),
                       .revoked_at = std::nullopt};
}

void SessionContract::SetUp() {
  StoreContract::SetUp();
  ASSERT_THAT(users().Create(ContractUser("alice")), IsOk());
  user_id_ = users().FindByUsernameKey("alice")->id;
  ASSERT_THAT(sessions().CreateSession(ContractSession("s1", user_id_), "h1"), IsOk());
}

absl::StatusOr<core::RotateResult> SessionContract::Rotate(std::string presented, std::string next,
                                                           core::WallTime now,
                                                           std::chrono::seconds grace) {
  const std::string sealed = absl::StrCat("sealed:", next);
  return sessions().Rotate(core::RotateRequest{.presented_hash = std::move(presented),
                                               .next_hash = std::move(next),
                                               .sealed_next = sealed,
                                               .now = now,
                                               .grace = grace});
}

namespace {

TEST_P(StoreContract, CreatedUserIsFoundByKeyAndId) {
  const core::User alice = ContractUser("Alice");
  ASSERT_THAT(users().Create(alice), IsOk());
  absl::StatusOr<core::User> by_key = users().FindByUsernameKey("alice");
  ASSERT_THAT(by_key, IsOk());
  EXPECT_EQ(by_key->id, alice.id);
  EXPECT_EQ(by_key->username, "Alice");
  EXPECT_EQ(by_key->email, alice.email);
  EXPECT_EQ(by_key->full_name, "Full Name");
  EXPECT_EQ(by_key->password_hash, "$hash$");
  EXPECT_EQ(by_key->roles, (std::vector<std::string>{"user", "admin"}));
  EXPECT_EQ(by_key->created_at, kContractNow);
  absl::StatusOr<core::User> by_id = users().FindById(alice.id);
  ASSERT_THAT(by_id, IsOk());
  EXPECT_EQ(by_id->username_key, "alice");
}

TEST_P(StoreContract, UnknownUserIsNotFound) {
  EXPECT_THAT(users().FindByUsernameKey("nobody"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users().FindById("nobody"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users().UpdatePasswordHash("nobody", "x"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreContract, CreateRejectsDuplicateUsernameIgnoringCase) {
  ASSERT_THAT(users().Create(ContractUser("alice")), IsOk());
  EXPECT_THAT(users().Create(ContractUser("ALICE", "other@example.com")),
              StatusIs(absl::StatusCode::kAlreadyExists, "username"));
}

TEST_P(StoreContract, CreateRejectsDuplicateEmailIgnoringCase) {
  ASSERT_THAT(users().Create(ContractUser("alice", "a@example.com")), IsOk());
  EXPECT_THAT(users().Create(ContractUser("bob", "A@Example.com")),
              StatusIs(absl::StatusCode::kAlreadyExists, "email"));
}

TEST_P(StoreContract, ExactlyOneOfConcurrentCreatesWins) {
  constexpr int kThreads = 8;
  std::atomic<int> ok{0};
  std::atomic<int> exists{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      core::User user = ContractUser("racer", absl::StrCat("r", i, "@example.com"));
      absl::Status s = users().Create(user);
      if (s.ok()) {
        ok.fetch_add(1);
      } else if (s.code() == absl::StatusCode::kAlreadyExists) {
        exists.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
}

TEST_P(StoreContract, UpdatePasswordHashReplacesIt) {
  const core::User alice = ContractUser("alice");
  ASSERT_THAT(users().Create(alice), IsOk());
  ASSERT_THAT(users().UpdatePasswordHash(alice.id, "$new$"), IsOk());
  EXPECT_EQ(users().FindById(alice.id)->password_hash, "$new$");
}

TEST_P(StoreContract, PingAnswers) { EXPECT_THAT(users().Ping(), IsOk()); }

TEST_P(StoreContract, ApiKeysRoundTripAndAreRevokedAndTouched) {
  core::ApiKeyRecord key{.id = "wdn_aaaaaaaaaaaa",
                         .name = "ci deploy",
                         .hash = "hash-1",
                         .roles = {"deployer", "reader"},
                         .created_by = "user:root",
                         .created_at = kContractNow,
                         .expires_at = kContractNow + std::chrono::hours(1)};
  ASSERT_THAT(api_keys().CreateApiKey(key), IsOk());
  EXPECT_THAT(api_keys().CreateApiKey(key), StatusIs(absl::StatusCode::kAlreadyExists));
  core::ApiKeyRecord other{.id = "wdn_bbbbbbbbbbbb",
                           .name = "other",
                           .hash = "hash-2",
                           .created_by = "user:root",
                           .created_at = kContractNow + seconds(1)};
  ASSERT_THAT(api_keys().CreateApiKey(other), IsOk());
  absl::StatusOr<core::ApiKeyRecord> found = api_keys().FindApiKey(key.id);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->name, "ci deploy");
  EXPECT_EQ(found->hash, "hash-1");
  EXPECT_EQ(found->roles, (std::vector<std::string>{"deployer", "reader"}));
  EXPECT_EQ(found->expires_at, key.expires_at);
  EXPECT_FALSE(found->last_used_at.has_value());
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_THAT(api_keys().FindApiKey("wdn_nope"), StatusIs(absl::StatusCode::kNotFound));

  ASSERT_THAT(api_keys().TouchApiKey(key.id, kContractNow + seconds(5)), IsOk());
  EXPECT_EQ(api_keys().FindApiKey(key.id)->last_used_at, kContractNow + seconds(5));
  ASSERT_THAT(api_keys().RevokeApiKey(key.id, kContractNow + seconds(9)), IsOk());
  ASSERT_THAT(api_keys().RevokeApiKey(key.id, kContractNow + seconds(20)), IsOk());
  EXPECT_EQ(api_keys().FindApiKey(key.id)->revoked_at, kContractNow + seconds(9));
  EXPECT_THAT(api_keys().RevokeApiKey("wdn_nope", kContractNow),
              StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<std::vector<core::ApiKeyRecord>> live = api_keys().ListApiKeys(false);
  ASSERT_THAT(live, IsOk());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].id, other.id);
  absl::StatusOr<std::vector<core::ApiKeyRecord>> all = api_keys().ListApiKeys(true);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, key.id);
}

TEST_P(StoreContract, ListUsersPagesInUsernameOrder) {
  for (const char* name : {"carol", "Alice", "bob", "dave"}) {
    ASSERT_THAT(users().Create(ContractUser(name)), IsOk());
  }
  absl::StatusOr<std::vector<core::User>> first = users().ListUsers("", 3);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].username, "Alice");
  EXPECT_EQ((*first)[2].username, "carol");
  absl::StatusOr<std::vector<core::User>> rest = users().ListUsers((*first)[2].username_key, 3);
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].username, "dave");
}

TEST_P(StoreContract, RolesAndDisabledAreUpdated) {
  const core::User alice = ContractUser("alice");
  ASSERT_THAT(users().Create(alice), IsOk());
  EXPECT_FALSE(users().FindById(alice.id)->disabled);
  ASSERT_THAT(users().UpdateRoles(alice.id, {"user", "auditor"}), IsOk());
  ASSERT_THAT(users().SetDisabled(alice.id, true), IsOk());
  absl::StatusOr<core::User> stored = users().FindByUsernameKey("alice");
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->roles, (std::vector<std::string>{"user", "auditor"}));
  EXPECT_TRUE(stored->disabled);
  ASSERT_THAT(users().UpdateRoles(alice.id, {}), IsOk());
  ASSERT_THAT(users().SetDisabled(alice.id, false), IsOk());
  EXPECT_TRUE(users().FindById(alice.id)->roles.empty());
  EXPECT_FALSE(users().FindById(alice.id)->disabled);
  EXPECT_THAT(users().UpdateRoles("nope", {"x"}), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users().SetDisabled("nope", true), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreContract, DeletedUserIsGoneAndFreesItsNamesButNotItsId) {
  const core::User alice = ContractUser("alice");
  ASSERT_THAT(users().Create(alice), IsOk());
  ASSERT_THAT(users().DeleteUser(alice.id, kContractNow), IsOk());
  EXPECT_THAT(users().FindById(alice.id), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users().FindByUsernameKey("alice"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(users().ListUsers("", 10)->empty());
  EXPECT_THAT(users().DeleteUser(alice.id, kContractNow), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users().UpdateRoles(alice.id, {"admin"}), StatusIs(absl::StatusCode::kNotFound));
  // Username and email can be registered again, by a new id only.
  core::User again = ContractUser("alice");
  EXPECT_THAT(users().Create(again), StatusIs(absl::StatusCode::kAlreadyExists));
  again.id = "another-id";
  EXPECT_THAT(users().Create(again), IsOk());
}

TEST_P(SessionContract, UserSessionsAreListedAndRevokedTogether) {
  core::Session later = ContractSession("s2", user_id_);
  later.created_at = kContractNow + seconds(5);
  ASSERT_THAT(sessions().CreateSession(later, "h2"), IsOk());
  core::Session expired = ContractSession("s3", user_id_);
  expired.expires_at = kContractNow + seconds(1);
  ASSERT_THAT(sessions().CreateSession(expired, "h3"), IsOk());
  ASSERT_THAT(users().Create(ContractUser("bob")), IsOk());
  const std::string bob = users().FindByUsernameKey("bob")->id;
  ASSERT_THAT(sessions().CreateSession(ContractSession("b1", bob), "hb"), IsOk());

  const core::WallTime now = kContractNow + seconds(10);
  absl::StatusOr<std::vector<core::Session>> live = sessions().ListUserSessions(user_id_, now);
  ASSERT_THAT(live, IsOk());
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ((*live)[0].id, "s2");  // newest first
  EXPECT_EQ((*live)[1].id, "s1");

  absl::StatusOr<std::vector<core::Session>> revoked = sessions().RevokeUserSessions(user_id_, now);
  ASSERT_THAT(revoked, IsOk());
  EXPECT_EQ(revoked->size(), 2u);
  EXPECT_TRUE(sessions().ListUserSessions(user_id_, now)->empty());
  EXPECT_EQ(sessions().ListUserSessions(bob, now)->size(), 1u);
  EXPECT_EQ(sessions().RevokeUserSessions(user_id_, now)->size(), 0u);
  absl::StatusOr<core::RotateResult> rotated = Rotate("h2", "h2b", now, seconds(10));
  ASSERT_THAT(rotated, IsOk());
  EXPECT_EQ(rotated->outcome, core::RotateOutcome::kRevoked);
}

TEST_P(SessionContract, RotateSpendsTokenAndMakesNextLive) {
  absl::StatusOr<core::RotateResult> first = Rotate("h1", "h2", kContractNow, seconds(10));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->outcome, core::RotateOutcome::kRotated);
  EXPECT_EQ(first->session.id, "s1");
  EXPECT_EQ(first->session.user_id, user_id_);
  absl::StatusOr<core::RotateResult> second =
      Rotate("h2", "h3", kContractNow + seconds(1), seconds(10));
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->outcome, core::RotateOutcome::kRotated);
}

TEST_P(SessionContract, UnknownTokenIsNotFound) {
  EXPECT_EQ(Rotate("nope", "h2", kContractNow, seconds(10))->outcome,
            core::RotateOutcome::kNotFound);
}

TEST_P(SessionContract, RetryWithinGraceGetsTheSameSuccessorAndKeepsSession) {
  ASSERT_EQ(Rotate("h1", "h2", kContractNow, seconds(10))->outcome, core::RotateOutcome::kRotated);
  absl::StatusOr<core::RotateResult> retry =
      Rotate("h1", "hx", kContractNow + seconds(5), seconds(10));
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(retry->outcome, core::RotateOutcome::kRetried);
  EXPECT_EQ(retry->sealed_successor, "sealed:h2") << "the first rotation's successor, not hx";
  EXPECT_EQ(retry->rotated_at, kContractNow);
  EXPECT_EQ(retry->session.id, "s1");
  EXPECT_FALSE(retry->session.revoked_at.has_value());
  // hx was not stored: only the first rotation's successor is live.
  EXPECT_EQ(Rotate("hx", "hy", kContractNow + seconds(6), seconds(10))->outcome,
            core::RotateOutcome::kNotFound);
  EXPECT_EQ(Rotate("h2", "h3", kContractNow + seconds(6), seconds(10))->outcome,
            core::RotateOutcome::kRotated);
}

TEST_P(SessionContract, RetryAfterTheSuccessorWasUsedRevokesEvenWithinGrace) {
  ASSERT_EQ(Rotate("h1", "h2", kContractNow, seconds(10))->outcome, core::RotateOutcome::kRotated);
  ASSERT_EQ(Rotate("h2", "h3", kContractNow + seconds(1), seconds(10))->outcome,
            core::RotateOutcome::kRotated);
  // h1 is an older generation now: its successor h2 is spent.
  absl::StatusOr<core::RotateResult> reuse =
      Rotate("h1", "hx", kContractNow + seconds(2), seconds(10));
  ASSERT_THAT(reuse, IsOk());
  EXPECT_EQ(reuse->outcome, core::RotateOutcome::kReuseDetected);
  EXPECT_EQ(Rotate("h3", "h4", kContractNow + seconds(3), seconds(10))->outcome,
            core::RotateOutcome::kRevoked);
}

TEST_P(SessionContract, StableSessionKeepsItsTokenAndItsMode) {
  core::Session stable = ContractSession("s-stable", user_id_);
  stable.refresh_mode = core::RefreshMode::kStable;
  ASSERT_THAT(sessions().CreateSession(stable, "h-stable"), IsOk());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<core::RotateResult> kept =
        Rotate("h-stable", absl::StrCat("n", i), kContractNow + seconds(30 * i), seconds(10));
    ASSERT_THAT(kept, IsOk());
    EXPECT_EQ(kept->outcome, core::RotateOutcome::kKept);
    EXPECT_EQ(kept->session.refresh_mode, core::RefreshMode::kStable);
  }
  EXPECT_EQ(Rotate("n0", "x", kContractNow, seconds(10))->outcome, core::RotateOutcome::kNotFound);
  absl::StatusOr<std::vector<core::Session>> live =
      sessions().ListUserSessions(user_id_, kContractNow);
  ASSERT_THAT(live, IsOk());
  ASSERT_EQ(live->size(), 2u);
  for (const core::Session& s : *live) {
    EXPECT_EQ(s.refresh_mode,
              s.id == "s-stable" ? core::RefreshMode::kStable : core::RefreshMode::kRotating);
  }
  ASSERT_THAT(sessions().RevokeSession("s-stable", kContractNow + seconds(100)), IsOk());
  EXPECT_EQ(Rotate("h-stable", "n9", kContractNow + seconds(101), seconds(10))->outcome,
            core::RotateOutcome::kRevoked);
  EXPECT_EQ(Rotate("h-stable", "n9", kContractNow + std::chrono::hours(2), seconds(10))->outcome,
            core::RotateOutcome::kRevoked);
}

TEST_P(SessionContract, ReuseAfterGraceRevokesTheWholeFamily) {
  ASSERT_EQ(Rotate("h1", "h2", kContractNow, seconds(10))->outcome, core::RotateOutcome::kRotated);
  absl::StatusOr<core::RotateResult> reuse =
      Rotate("h1", "hx", kContractNow + seconds(11), seconds(10));
  ASSERT_THAT(reuse, IsOk());
  EXPECT_EQ(reuse->outcome, core::RotateOutcome::kReuseDetected);
  EXPECT_TRUE(reuse->session.revoked_at.has_value());
  // The live descendant dies with the family.
  EXPECT_EQ(Rotate("h2", "h3", kContractNow + seconds(12), seconds(10))->outcome,
            core::RotateOutcome::kRevoked);
  absl::StatusOr<std::vector<core::Session>> revoked =
      sessions().ListSessionsRevokedSince(kContractNow);
  ASSERT_THAT(revoked, IsOk());
  ASSERT_EQ(revoked->size(), 1u);
  EXPECT_EQ((*revoked)[0].id, "s1");
}

TEST_P(SessionContract, ExpiredSessionCannotRotate) {
  EXPECT_EQ(Rotate("h1", "h2", kContractNow + std::chrono::hours(1), seconds(10))->outcome,
            core::RotateOutcome::kExpired);
}

TEST_P(SessionContract, RevokedSessionCannotRotate) {
  ASSERT_THAT(sessions().RevokeSession("s1", kContractNow), IsOk());
  ASSERT_THAT(sessions().RevokeSession("s1", kContractNow + seconds(1)), IsOk());
  EXPECT_EQ(Rotate("h1", "h2", kContractNow, seconds(10))->outcome, core::RotateOutcome::kRevoked);
  EXPECT_THAT(sessions().RevokeSession("unknown", kContractNow),
              StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<std::vector<core::Session>> revoked =
      sessions().ListSessionsRevokedSince(kContractNow + seconds(1));
  ASSERT_THAT(revoked, IsOk());
  EXPECT_TRUE(revoked->empty()) << "first revocation time is kept";
}

TEST_P(SessionContract, ExactlyOneOfConcurrentRotationsWinsAndTheOthersRetry) {
  constexpr int kThreads = 8;
  std::atomic<int> rotated{0};
  std::atomic<int> retried{0};
  std::mutex mutex;
  std::string winner;
  std::vector<std::string> retried_successors;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<core::RotateResult> r =
          Rotate("h1", absl::StrCat("next", i), kContractNow, seconds(10));
      if (!r.ok()) {
        return;
      }
      std::lock_guard lock(mutex);
      if (r->outcome == core::RotateOutcome::kRotated) {
        rotated.fetch_add(1);
        winner = absl::StrCat("sealed:next", i);
      } else if (r->outcome == core::RotateOutcome::kRetried) {
        retried.fetch_add(1);
        retried_successors.push_back(r->sealed_successor);
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(retried.load(), kThreads - 1);
  for (const std::string& successor : retried_successors) {
    EXPECT_EQ(successor, winner);
  }
}

TEST_P(SessionContract, RevokedAccessTokensAreListedUntilExpiry) {
  ASSERT_THAT(
      sessions().RevokeAccessToken({.id = "jti-1", .expires_at = kContractNow + seconds(60)}),
      IsOk());
  ASSERT_THAT(
      sessions().RevokeAccessToken({.id = "jti-1", .expires_at = kContractNow + seconds(90)}),
      IsOk());
  absl::StatusOr<std::vector<core::Revocation>> live =
      sessions().ListRevokedAccessTokens(kContractNow + seconds(61));
  ASSERT_THAT(live, IsOk());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].id, "jti-1");
  EXPECT_TRUE(sessions().ListRevokedAccessTokens(kContractNow + seconds(91))->empty());
}

TEST_P(SessionContract, PurgeExpiredDeletesOnlyWhatExpired) {
  ASSERT_THAT(
      sessions().CreateSession(core::Session{.id = "s-long",
                                             .user_id = user_id_,
                                             .created_at = kContractNow,
                                             .expires_at = kContractNow + std::chrono::hours(10)},
                               "h-long"),
      IsOk());
  ASSERT_EQ(Rotate("h1", "h2", kContractNow, seconds(10))->outcome, core::RotateOutcome::kRotated);
  ASSERT_THAT(sessions().RevokeAccessToken(
                  {.id = "old-jti", .expires_at = kContractNow + std::chrono::minutes(30)}),
              IsOk());
  ASSERT_THAT(sessions().RevokeAccessToken(
                  {.id = "new-jti", .expires_at = kContractNow + std::chrono::hours(5)}),
              IsOk());
  // s1 (and its two token hashes) expired at +1h; s-long lives to +10h.
  absl::StatusOr<int64_t> deleted = sessions().PurgeExpired(kContractNow + std::chrono::hours(2));
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(*deleted, 4);  // s1, h1, h2, old-jti
  EXPECT_EQ(Rotate("h2", "h3", kContractNow, seconds(10))->outcome, core::RotateOutcome::kNotFound);
  EXPECT_EQ(Rotate("h-long", "h-next", kContractNow, seconds(10))->outcome,
            core::RotateOutcome::kRotated);
  absl::StatusOr<std::vector<core::Revocation>> live =
      sessions().ListRevokedAccessTokens(kContractNow);
  ASSERT_THAT(live, IsOk());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].id, "new-jti");
}

core::SigningKeyRecord Key(const std::string& kid, int activate_offset_s) {
  return core::SigningKeyRecord{.kid = kid,
                                .algorithm = "ES256",
                                .public_jwk = R"({"crv":"P-256","kty":"EC","x":"a","y":"b"})",
                                .sealed_private_key = "sealed:" + kid,
                                .created_at = kContractNow,
                                .activate_at = kContractNow + seconds(activate_offset_s)};
}

TEST_P(StoreContract, SigningKeysRoundTripInActivationOrder) {
  ASSERT_THAT(signing_keys().InsertSigningKey(Key("later", 100)), IsOk());
  ASSERT_THAT(signing_keys().InsertSigningKey(Key("first", 0)), IsOk());
  absl::StatusOr<std::vector<core::SigningKeyRecord>> keys = signing_keys().ListSigningKeys();
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "first");
  EXPECT_EQ((*keys)[1].kid, "later");
  EXPECT_EQ((*keys)[1].sealed_private_key, "sealed:later");
  EXPECT_EQ((*keys)[1].public_jwk, R"({"crv":"P-256","kty":"EC","x":"a","y":"b"})");
  EXPECT_EQ((*keys)[1].activate_at, kContractNow + seconds(100));
  EXPECT_FALSE((*keys)[1].withdrawn_at.has_value());
}

TEST_P(StoreContract, SigningKeyWithSameKidOrActivationTimeIsAlreadyExists) {
  ASSERT_THAT(signing_keys().InsertSigningKey(Key("a", 0)), IsOk());
  EXPECT_THAT(signing_keys().InsertSigningKey(Key("a", 5)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(signing_keys().InsertSigningKey(Key("b", 0)),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_P(StoreContract, SigningKeysCanBeWithdrawnAndDeleted) {
  ASSERT_THAT(signing_keys().InsertSigningKey(Key("a", 0)), IsOk());
  ASSERT_THAT(signing_keys().WithdrawSigningKey("a", kContractNow + seconds(7)), IsOk());
  ASSERT_THAT(signing_keys().WithdrawSigningKey("a", kContractNow + seconds(9)), IsOk());
  EXPECT_EQ(signing_keys().ListSigningKeys()->at(0).withdrawn_at, kContractNow + seconds(7));
  EXPECT_THAT(signing_keys().WithdrawSigningKey("zz", kContractNow),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(signing_keys().DeleteSigningKey("a"), IsOk());
  EXPECT_TRUE(signing_keys().ListSigningKeys()->empty());
}

TEST_P(StoreContract, AuditEventsKeepTheirOrderAndFilter) {
  std::vector<core::AuditEvent> batch;
  batch.reserve(5);
  for (int i = 0; i < 5; ++i) {
    batch.push_back(core::AuditEvent{.at = kContractNow + seconds(i),
                                     .type = i % 2 == 0 ? "login_success" : "login_failure",
                                     .user_id = i < 3 ? "u1" : "u2",
                                     .username = i < 3 ? "Alice" : "bob",
                                     .session_id = "s",
                                     .detail = absl::StrCat("n", i),
                                     .trace_id = i == 0 ? std::string(32, 'f') : ""});
  }
  ASSERT_THAT(audit().AppendAuditEvents(batch), IsOk());
  absl::StatusOr<std::vector<core::AuditEvent>> all = audit().ListAuditEvents({});
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 5u);
  for (size_t i = 1; i < all->size(); ++i) {
    EXPECT_GT((*all)[i].seq, (*all)[i - 1].seq);
    EXPECT_EQ((*all)[i].detail, absl::StrCat("n", i));
  }
  EXPECT_EQ(audit().ListAuditEvents({.user_id = "u1"})->size(), 3u);
  EXPECT_EQ(audit().ListAuditEvents({.username = "alice"})->size(), 3u);
  EXPECT_EQ(audit().ListAuditEvents({.since = kContractNow + seconds(3)})->size(), 2u);
  EXPECT_EQ(audit().ListAuditEvents({.limit = 2})->size(), 2u);
  EXPECT_EQ((*all)[0].at, kContractNow);
  EXPECT_EQ((*all)[0].username, "Alice");
  EXPECT_EQ((*all)[0].trace_id, std::string(32, 'f'));
}

}  // namespace

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StoreContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SessionContract);

}  // namespace warden::storage
