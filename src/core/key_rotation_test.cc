#include "core/key_rotation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "core/testing/fakes.h"
#include "storage/memory/memory_stores.h"

namespace warden::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;

class KeyRotationTest : public ::testing::Test {
 protected:
  KeyRotationTest()
      : rotation_({.store = store_, .factory = factory_, .installer = installer_, .clock = clock_},
                  {.algorithm = "ES256",
                   .schedule = {.rotation_period = hours(24),
                                .publish_ahead = minutes(15),
                                .retire_after = minutes(16)}}) {}

  KeyRotation::TickResult Tick() {
    absl::StatusOr<KeyRotation::TickResult> result = rotation_.Tick();
    EXPECT_THAT(result, IsOk());
    return result.value_or(KeyRotation::TickResult{});
  }

  storage::InMemorySigningKeyStore store_;
  FakeSigningKeyFactory factory_;
  FakeSigningKeyInstaller installer_;
  FakeClock clock_;
  KeyRotation rotation_;
};

TEST_F(KeyRotationTest, FirstTickCreatesAndInstallsAKeyThatSignsAtOnce) {
  KeyRotation::TickResult result = Tick();
  EXPECT_TRUE(result.created);
  EXPECT_EQ(result.signing_kid, "k1");
  EXPECT_EQ(installer_.signing, "k1");
  EXPECT_THAT(installer_.trusted_kids, ElementsAre("k1"));
  // Nothing more to do a minute later.
  clock_.Advance(minutes(1));
  EXPECT_FALSE(Tick().created);
  EXPECT_EQ(installer_.installs, 1);
}

TEST_F(KeyRotationTest, NextKeyIsPublishedAtLeastPublishAheadBeforeItSigns) {
  Tick();
  // 23h40m in: within 2 x publish_ahead of the rotation time, so k2 is made and published...
  clock_.Advance(hours(23) + minutes(40));
  KeyRotation::TickResult result = Tick();
  EXPECT_TRUE(result.created);
  EXPECT_EQ(result.signing_kid, "k1");
  EXPECT_THAT(installer_.trusted_kids, ElementsAre("k1", "k2"));
  // ...but k1 still signs until 24h.
  clock_.Advance(minutes(19));
  EXPECT_EQ(Tick().signing_kid, "k1");
  clock_.Advance(minutes(1));
  result = Tick();
  EXPECT_EQ(result.signing_kid, "k2");
  EXPECT_THAT(installer_.trusted_kids, ElementsAre("k1", "k2")) << "k1 tokens still live";
  EXPECT_FALSE(result.trust_removed);
  // retire_after later, k1 is gone from the published set and the store.
  clock_.Advance(minutes(17));
  result = Tick();
  EXPECT_TRUE(result.trust_removed);
  EXPECT_THAT(installer_.trusted_kids, ElementsAre("k2"));
  EXPECT_EQ(store_.ListSigningKeys()->size(), 1u);
}

TEST_F(KeyRotationTest, ManualRotationPublishesFirstAndImmediateRotationSignsAtOnce) {
  Tick();
  absl::StatusOr<std::string> kid = rotation_.Rotate(/*immediate=*/false);
  ASSERT_THAT(kid, IsOk());
  EXPECT_EQ(Tick().signing_kid, "k1");
  EXPECT_THAT(installer_.trusted_kids, ElementsAre("k1", "k2"));
  clock_.Advance(minutes(15));
  EXPECT_EQ(Tick().signing_kid, "k2");
  clock_.Advance(seconds(1));
  ASSERT_THAT(rotation_.Rotate(/*immediate=*/true), IsOk());
  EXPECT_EQ(Tick().signing_kid, "k3");
}

TEST_F(KeyRotationTest, WithdrawnKeyIsDistrustedAtOnceAndReplaced) {
  Tick();
  ASSERT_THAT(rotation_.Withdraw("k1"), IsOk());
  clock_.Advance(seconds(1));
  KeyRotation::TickResult result = Tick();
  EXPECT_TRUE(result.trust_removed);
  EXPECT_EQ(result.signing_kid, "k2");
  EXPECT_THAT(installer_.trusted_kids, ElementsAre("k2"));
  EXPECT_THAT(rotation_.Withdraw("nope"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(KeyRotationTest, ReplicasSharingAStoreConverge) {
  FakeSigningKeyInstaller other_installer;
  KeyRotation other(
      {.store = store_, .factory = factory_, .installer = other_installer, .clock = clock_},
      {.schedule = {.rotation_period = hours(24),
                    .publish_ahead = minutes(15),
                    .retire_after = minutes(16)}});
  Tick();
  ASSERT_THAT(other.Tick(), IsOk());
  EXPECT_EQ(other_installer.signing, installer_.signing);
  clock_.Advance(hours(23) + minutes(50));
  Tick();
  ASSERT_THAT(other.Tick(), IsOk());
  EXPECT_EQ(other_installer.trusted_kids, installer_.trusted_kids);
  // k2 was made 10 minutes before 24h, so it signs only from 24h05m (publish_ahead after).
  clock_.Advance(minutes(14));
  Tick();
  EXPECT_EQ(installer_.signing, "k1");
  clock_.Advance(minutes(2));
  Tick();
  ASSERT_THAT(other.Tick(), IsOk());
  EXPECT_EQ(other_installer.signing, installer_.signing);
  EXPECT_EQ(installer_.signing, "k2");
}

TEST(PlanKeysTest, LongOutageSchedulesTheNextKeyPublishAheadFromNow) {
  const WallTime t0 = WallTime(seconds(1'000'000));
  std::vector<SigningKeyRecord> keys = {
      {.kid = "old", .algorithm = "ES256", .created_at = t0, .activate_at = t0}};
  KeyScheduleOptions options{
      .rotation_period = hours(24), .publish_ahead = minutes(15), .retire_after = minutes(16)};
  KeyPlan plan = PlanKeys(keys, t0 + hours(72), options);
  EXPECT_EQ(plan.signing_kid, "old");
  ASSERT_TRUE(plan.schedule_next_at.has_value());
  EXPECT_EQ(*plan.schedule_next_at, t0 + hours(72) + minutes(15));
}

}  // namespace
}  // namespace warden::core
