#include "server/housekeeping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "core/testing/fakes.h"
#include "storage/memory/memory_stores.h"

namespace warden::server {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class RecordingAudit final : public core::AuditSink {
 public:
  void Record(core::AuditEvent event) override { events.push_back(std::move(event)); }
  std::vector<core::AuditEvent> events;
};

class HousekeepingTest : public ::testing::Test {
 protected:
  Housekeeping Make(core::KeyRotation* rotation) {
    return Housekeeping(
        {.rotation = rotation,
         .audit = audit_,
         .clock = clock_,
         .forget_verified_tokens = [this] { ++forgets_; },
         .purge_expired = [this]() -> absl::StatusOr<int64_t> { return ++purges_; }},
        clock_.WallNow());
  }

  FakeClock clock_;
  RecordingAudit audit_;
  int forgets_ = 0;
  int purges_ = 0;
  storage::InMemorySigningKeyStore store_;
  core::FakeSigningKeyFactory factory_;
  core::FakeSigningKeyInstaller installer_;
  core::KeyRotation rotation_{
      {.store = store_, .factory = factory_, .installer = installer_, .clock = clock_},
      {.algorithm = "ES256",
       .schedule = {.rotation_period = hours(24),
                    .publish_ahead = minutes(15),
                    .retire_after = minutes(16)}}};
};

TEST_F(HousekeepingTest, WithoutRotationOnlyPurges) {
  Housekeeping housekeeping = Make(nullptr);
  const core::WallTime started = housekeeping.signing_since();
  housekeeping.Tick();
  housekeeping.Tick();
  EXPECT_EQ(purges_, 2);
  EXPECT_TRUE(audit_.events.empty());
  EXPECT_EQ(housekeeping.signing_since(), started);
}

TEST_F(HousekeepingTest, ANewKeyIsAuditedAndARetiredOneDropsCachedVerifications) {
  Housekeeping housekeeping = Make(&rotation_);
  housekeeping.Tick();  // the first key
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.events[0].type, "key_rotated");
  EXPECT_EQ(forgets_, 0);
  const core::WallTime first = housekeeping.signing_since();
  clock_.Advance(hours(23) + minutes(40));
  housekeeping.Tick();  // the next key is published ahead
  EXPECT_EQ(audit_.events.size(), 2u);
  clock_.Advance(hours(1));
  housekeeping.Tick();  // it signs now; the old one is retired later
  EXPECT_GT(housekeeping.signing_since(), first);
  clock_.Advance(hours(1));
  housekeeping.Tick();
  EXPECT_EQ(forgets_, 1);
  EXPECT_EQ(purges_, 4);
}

TEST(RevocationSyncTest, LoadsUntilStopped) {
  std::mutex mutex;
  std::condition_variable loaded;
  int loads = 0;
  RevocationSync sync(
      [&] {
        std::lock_guard lock(mutex);
        ++loads;
        loaded.notify_all();
        return loads == 1 ? absl::UnavailableError("store down") : absl::OkStatus();
      },
      std::chrono::milliseconds(1));
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(loaded.wait_for(lock, std::chrono::seconds(10), [&] { return loads >= 3; }));
  }
  sync.Stop();
  std::lock_guard lock(mutex);
  const int stopped_at = loads;
  EXPECT_GE(stopped_at, 3);  // a failed load does not end the sync
  sync.Stop();               // idempotent
  EXPECT_EQ(loads, stopped_at);
}

}  // namespace
}  // namespace warden::server
