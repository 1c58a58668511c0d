#include "core/api_key_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "core/testing/fakes.h"
#include "storage/memory/memory_stores.h"

namespace warden::core {
namespace {

using std::chrono::seconds;

class ApiKeyServiceTest : public ::testing::Test {
 protected:
  storage::InMemoryApiKeyStore store_;
  FakeTokenHasher hasher_;
  FakeRandomSource random_;
  FakeClock clock_;
  std::vector<std::function<void()>> deferred_;
  ApiKeyService keys_{ApiKeyService::Ports{.store = store_,
                                           .keyed_hasher = hasher_,
                                           .random = random_,
                                           .clock = clock_,
                                           .defer =
                                               [this](std::function<void()> job) {
                                                 deferred_.push_back(std::move(job));
                                                 return true;
                                               }},
                      ApiKeyService::Options{}};
  Principal root_{.kind = Principal::Kind::kUser, .id = "r", .name = "root"};
};

TEST_F(ApiKeyServiceTest, KeyHasScannableFormatAndOnlyItsHashIsStored) {
  absl::StatusOr<NewApiKey> made = keys_.Create(root_, "ci", {"deployer"}, seconds(0));
  ASSERT_THAT(made, IsOk());
  EXPECT_THAT(made->secret, ::testing::MatchesRegex("wdn_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}"));
  EXPECT_EQ(made->record.id, made->secret.substr(0, 16));
  absl::StatusOr<ApiKeyRecord> stored = store_.FindApiKey(made->record.id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->hash, hasher_.Hash(made->secret));
  EXPECT_EQ(stored->created_by, "user:root");
  EXPECT_TRUE(keys_.List(false)->at(0).hash.empty());
}

TEST_F(ApiKeyServiceTest, AuthenticatesALiveKeyWithItsRoles) {
  absl::StatusOr<NewApiKey> made = keys_.Create(root_, "ci", {"deployer", "reader"}, seconds(0));
  absl::StatusOr<Principal> principal = keys_.Authenticate(made->secret);
  ASSERT_THAT(principal, IsOk());
  EXPECT_EQ(principal->kind, Principal::Kind::kApiKey);
  EXPECT_EQ(principal->id, made->record.id);
  EXPECT_EQ(principal->name, "ci");
  EXPECT_EQ(principal->roles, (std::vector<std::string>{"deployer", "reader"}));
}

TEST_F(ApiKeyServiceTest, ChecksumCatchesATypoWithoutAStoreLookup) {
  absl::StatusOr<NewApiKey> made = keys_.Create(root_, "ci", {}, seconds(0));
  std::string typo = made->secret;
  typo[20] = typo[20] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(ApiKeyService::IdOfWellFormed(typo).has_value());
  EXPECT_THAT(keys_.Authenticate(typo), StatusIs(absl::StatusCode::kUnauthenticated));
  for (absl::string_view junk : {"", "wdn_", "Bearer x", "wdn_short_key", "ghp_abc"}) {
    EXPECT_THAT(keys_.Authenticate(junk),
                StatusIs(absl::StatusCode::kUnauthenticated, "invalid API key"));
  }
}

TEST_F(ApiKeyServiceTest, RevokedAndExpiredKeysAreRefused) {
  absl::StatusOr<NewApiKey> revoked = keys_.Create(root_, "old", {}, seconds(0));
  absl::StatusOr<NewApiKey> expiring = keys_.Create(root_, "temp", {}, seconds(60));
  ASSERT_THAT(keys_.Authenticate(revoked->secret), IsOk());  // now cached
  ASSERT_THAT(keys_.Revoke(root_, revoked->record.id), IsOk());
  EXPECT_THAT(keys_.Authenticate(revoked->secret), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(keys_.Authenticate(expiring->secret), IsOk());
  clock_.Advance(seconds(60));
  EXPECT_THAT(keys_.Authenticate(expiring->secret), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(keys_.Revoke(root_, "wdn_nope"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(keys_.List(false)->size(), 1u);
  EXPECT_EQ(keys_.List(true)->size(), 2u);
}

TEST_F(ApiKeyServiceTest, AWellFormedKeyWithAWrongSecretIsRefused) {
  absl::StatusOr<NewApiKey> made = keys_.Create(root_, "ci", {}, seconds(0));
  // Same id, different secret, valid checksum: a forgery attempt.
  std::string body = made->secret.substr(0, 17) + std::string(32, 'Z');
  absl::StatusOr<NewApiKey> other = keys_.Create(root_, "x", {}, seconds(0));
  (void)other;
  EXPECT_THAT(keys_.Authenticate(body), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(ApiKeyServiceTest, LastUseIsWrittenLaterAndAtMostOncePerInterval) {
  absl::StatusOr<NewApiKey> made = keys_.Create(root_, "ci", {}, seconds(0));
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT(keys_.Authenticate(made->secret), IsOk());
  }
  EXPECT_EQ(deferred_.size(), 1u);
  EXPECT_FALSE(store_.FindApiKey(made->record.id)->last_used_at.has_value());
  deferred_[0]();
  EXPECT_EQ(store_.FindApiKey(made->record.id)->last_used_at, clock_.WallNow());
  clock_.Advance(seconds(61));
  ASSERT_THAT(keys_.Authenticate(made->secret), IsOk());
  EXPECT_EQ(deferred_.size(), 2u);
}

TEST_F(ApiKeyServiceTest, CreateValidatesItsInput) {
  EXPECT_THAT(keys_.Create(root_, "", {}, seconds(0)),
              StatusIs(absl::StatusCode::kInvalidArgument, "name"));
  EXPECT_THAT(keys_.Create(root_, "ci", {"Bad Role"}, seconds(0)),
              StatusIs(absl::StatusCode::kInvalidArgument, "roles"));
  EXPECT_THAT(keys_.Create(root_, "ci", {}, seconds(-1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "ttl_seconds"));
}

}  // namespace
}  // namespace warden::core
