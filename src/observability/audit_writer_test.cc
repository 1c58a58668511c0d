#include "observability/audit_writer.h"

#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"
#include "storage/memory/memory_stores.h"

namespace warden::observability {
namespace {

// Fails the first `failures` appends.
class FlakyAuditStore final : public core::AuditStore {
 public:
  explicit FlakyAuditStore(int failures) : failures_(failures) {}
  absl::Status AppendAuditEvents(const std::vector<core::AuditEvent>& events) override {
    if (failures_-- > 0) {
      return absl::UnavailableError("database is locked");
    }
    return inner_.AppendAuditEvents(events);
  }
  absl::StatusOr<std::vector<core::AuditEvent>> ListAuditEvents(
      const core::AuditQuery& query) override {
    return inner_.ListAuditEvents(query);
  }

 private:
  std::atomic<int> failures_;
  storage::InMemoryAuditStore inner_;
};

core::AuditEvent Event(int i) {
  return core::AuditEvent{.type = "login_success", .user_id = "u", .detail = std::to_string(i)};
}

TEST(AuditWriterTest, WritesEverythingInOrderAcrossBatches) {
  storage::InMemoryAuditStore store;
  AuditWriter writer(store, {.max_batch = 7, .flush_interval = std::chrono::milliseconds(5)});
  writer.Start();
  for (int i = 0; i < 100; ++i) {
    writer.Record(Event(i));
  }
  writer.FlushForTest();
  absl::StatusOr<std::vector<core::AuditEvent>> events = store.ListAuditEvents({.limit = 1000});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ((*events)[static_cast<size_t>(i)].detail, std::to_string(i));
  }
}

TEST(AuditWriterTest, RetriesWhenTheStoreFailsInsteadOfLosingEvents) {
  FlakyAuditStore store(3);
  AuditWriter writer(store, {.flush_interval = std::chrono::milliseconds(5)});
  writer.Start();
  writer.Record(Event(1));
  writer.Record(Event(2));
  writer.FlushForTest();
  EXPECT_EQ(store.ListAuditEvents({})->size(), 2u);
  EXPECT_EQ(writer.dropped(), 0u);
}

TEST(AuditWriterTest, StopFlushesAndAFullQueueDropsAndCounts) {
  storage::InMemoryAuditStore store;
  {
    AuditWriter writer(store, {.max_queue = 3, .flush_interval = std::chrono::hours(1)});
    for (int i = 0; i < 5; ++i) {
      writer.Record(Event(i));  // not started: the queue fills
    }
    EXPECT_EQ(writer.dropped(), 2u);
    writer.Start();
    writer.Stop();
  }
  EXPECT_EQ(store.ListAuditEvents({})->size(), 3u);
}

}  // namespace
}  // namespace warden::observability
