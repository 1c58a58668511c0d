#include "app/dev_secrets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/testing/status_matchers.h"
#include "crypto/sodium_primitives.h"

namespace warden::app {
namespace {

namespace fs = std::filesystem;

class DevSecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitSodium());
    dir_ = fs::temp_directory_path() /
           ("warden-dev-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static mode_t ModeOf(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  fs::path dir_;
};

TEST_F(DevSecretsTest, TheMasterKeyIsMadeOnceOwnerOnlyAndReusedAfter) {
  absl::StatusOr<crypto::MasterKey> first = DevMasterKey(dir_);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(ModeOf(dir_ / "master.key"), 0600u);
  absl::StatusOr<crypto::MasterKey> again = DevMasterKey(dir_);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->ToBase64(), first->ToBase64());
}

TEST_F(DevSecretsTest, ACorruptMasterKeyIsAnErrorNotReplaced) {
  {
    std::ofstream out(dir_ / "master.key");
    out << "not base64 at all\n";
  }
  EXPECT_THAT(DevMasterKey(dir_), StatusIs(absl::StatusCode::kInvalidArgument, "master.key"));
}

TEST_F(DevSecretsTest, TheHs256SecretIsMadeOwnerOnlyAndReused) {
  absl::StatusOr<std::string> first = DevHs256Secret(dir_);
  ASSERT_THAT(first, IsOk());
  EXPECT_GE(first->size(), 32u);
  EXPECT_EQ(ModeOf(dir_ / "hs256.secret"), 0600u);
  absl::StatusOr<std::string> again = DevHs256Secret(dir_);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, *first);
}

TEST_F(DevSecretsTest, AShortHs256SecretIsReplacedByAStrongOne) {
  {
    std::ofstream out(dir_ / "hs256.secret");
    out << "short\n";
  }
  fs::permissions(dir_ / "hs256.secret", fs::perms::all);
  absl::StatusOr<std::string> secret = DevHs256Secret(dir_);
  ASSERT_THAT(secret, IsOk());
  EXPECT_GE(secret->size(), 32u);
  EXPECT_EQ(ModeOf(dir_ / "hs256.secret"), 0600u);
}

}  // namespace
}  // namespace warden::app
