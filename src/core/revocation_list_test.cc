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

}  // namespace
}  // namespace warden::core
