#include "common/private_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/testing/status_matchers.h"

namespace warden {
namespace {

namespace fs = std::filesystem;

class PrivateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("warden-private-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    old_umask_ = umask(0);  // the most permissive umask: the file must still be 0600
  }
  void TearDown() override {
    umask(old_umask_);
    fs::remove_all(dir_);
  }
  static std::string Read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static mode_t ModeOf(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  size_t EntriesInDir() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }

  fs::path dir_;
  mode_t old_umask_ = 0;
};

TEST_F(PrivateFileTest, CreatesAnOwnerOnlyFileWithTheContents) {
  const fs::path path = dir_ / "master.key";
  ASSERT_THAT(WritePrivateFile(path, "secret\n", PrivateFileMode::kCreateNew), IsOk());
  EXPECT_EQ(Read(path), "secret\n");
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(EntriesInDir(), 1u);  // no temporary file left
}

TEST_F(PrivateFileTest, CreateNewNeverReplacesAnExistingFile) {
  const fs::path path = dir_ / "master.key";
  ASSERT_THAT(WritePrivateFile(path, "first", PrivateFileMode::kCreateNew), IsOk());
  EXPECT_THAT(WritePrivateFile(path, "second", PrivateFileMode::kCreateNew),
              StatusIs(absl::StatusCode::kAlreadyExists, "already exists"));
  EXPECT_EQ(Read(path), "first");
  EXPECT_EQ(EntriesInDir(), 1u);
}

TEST_F(PrivateFileTest, ReplaceSwapsInTheWholeNewFileAndTightensTheMode) {
  const fs::path path = dir_ / "credentials.json";
  {
    std::ofstream loose(path);
    loose << "old";
  }
  fs::permissions(path, fs::perms::all);
  ASSERT_THAT(WritePrivateFile(path, "new", PrivateFileMode::kReplace), IsOk());
  EXPECT_EQ(Read(path), "new");
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(EntriesInDir(), 1u);
}

TEST_F(PrivateFileTest, AMissingDirectoryIsAnErrorNamingThePath) {
  EXPECT_THAT(WritePrivateFile(dir_ / "no" / "such" / "key", "x", PrivateFileMode::kCreateNew),
              StatusIs(absl::StatusCode::kUnavailable, "cannot create"));
}

}  // namespace
}  // namespace warden
