#include "observability/store_metrics.h"

#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "observability/testing/metric_sample.h"
#include "storage/memory/memory_stores.h"

namespace warden::observability {
namespace {

// A user store whose every call fails as unavailable.
class DownUserStore final : public core::UserStore {
 public:
  absl::Status Create(const core::User&) override { return absl::UnavailableError("down"); }
  absl::StatusOr<core::User> FindByUsernameKey(absl::string_view) override {
    return absl::UnavailableError("down");
  }
  absl::StatusOr<core::User> FindById(absl::string_view) override {
    return absl::UnavailableError("down");
  }
  absl::Status UpdatePasswordHash(absl::string_view, absl::string_view) override {
    return absl::UnavailableError("down");
  }
  absl::StatusOr<std::vector<core::User>> ListUsers(absl::string_view, size_t) override {
    return absl::UnavailableError("down");
  }
  absl::Status UpdateRoles(absl::string_view, const std::vector<std::string>&) override {
    return absl::UnavailableError("down");
  }
  absl::Status SetDisabled(absl::string_view, bool) override {
    return absl::UnavailableError("down");
  }
  absl::Status DeleteUser(absl::string_view, core::WallTime) override {
    return absl::UnavailableError("down");
  }
  absl::Status Ping() override { return absl::UnavailableError("down"); }
};

double Value(prometheus::Registry& registry, const std::string& name, const std::string& op) {
  return ::warden::observability::testing::SampleOf(registry, name, {{"op", op}});
}

TEST(StoreMetricsTest, TimesOperationsAndCountsOnlyRealErrors) {
  prometheus::Registry registry;
  FakeClock clock;
  StoreMetrics metrics(registry, clock);
  storage::InMemoryUserStore users;
  MeteredUserStore metered(users, metrics);
  const core::User user{.id = "1", .username = "a", .username_key = "a", .email_key = "a@x"};
  ASSERT_THAT(metered.Create(user), IsOk());
  EXPECT_THAT(metered.Create(user), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(metered.FindById("nope"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Value(registry, "warden_store_operation_seconds", "users.create"), 2);
  EXPECT_EQ(Value(registry, "warden_store_errors_total", "users.create"), 0);
  EXPECT_EQ(Value(registry, "warden_store_errors_total", "users.find_by_id"), 0);

  DownUserStore down;
  MeteredUserStore failing(down, metrics);
  EXPECT_THAT(failing.Ping(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Value(registry, "warden_store_errors_total", "users.ping"), 1);
}

}  // namespace
}  // namespace warden::observability
