#include "core/revocation_list.h"

#include <gtest/gtest.h>

namespace warden::core {
namespace {

const WallTime kT0 = WallTime(std::chrono::seconds(1000));

TEST(RevocationListTest, RevokesByTokenOrSessionAndPrunesExpired) {
  RevocationList list;
  EXPECT_FALSE(list.IsRevoked("j1", "s1"));
  list.RevokeToken("j1", kT0 + std::chrono::seconds(10));
  list.RevokeSession("s2", kT0 + std::chrono::seconds(20));
  EXPECT_TRUE(list.IsRevoked("j1", "other"));
  EXPECT_TRUE(list.IsRevoked("j9", "s2"));
  EXPECT_FALSE(list.IsRevoked("j9", ""));
  list.Prune(kT0 + std::chrono::seconds(15));
  EXPECT_FALSE(list.IsRevoked("j1", ""));
  EXPECT_TRUE(list.IsRevoked("j9", "s2"));
  EXPECT_EQ(list.SizeForTest(), 1u);
}

TEST(RevocationListTest, ListenersHearNewRevocationsOnlyUntilUnsubscribed) {
  RevocationList list;
  std::vector<std::string> heard;
  const uint64_t handle = list.Subscribe([&](const RevocationEvent& e) { heard.push_back(e.id); });
  list.RevokeToken("j1", kT0 + std::chrono::seconds(10));
  list.RevokeToken("j1", kT0 + std::chrono::seconds(10));  // nothing new
  list.RevokeSession("s1", kT0 + std::chrono::seconds(10));
  list.Unsubscribe(handle);
  list.RevokeToken("j2", kT0 + std::chrono::seconds(10));
  EXPECT_EQ(heard, (std::vector<std::string>{"j1", "s1"}));
  EXPECT_EQ(list.Snapshot().size(), 3u);
}

TEST(RevocationListTest, AppliedEventsAreLookedUp) {
  RevocationList list;
  list.Apply({.kind = RevocationEvent::Kind::kSession, .id = "s9", .expires_at = kT0});
  EXPECT_TRUE(list.IsRevoked("any", "s9"));
}

}  // namespace
}  // namespace warden::core
