#include "app/wardend_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "app/dev_secrets.h"

namespace warden::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Wardend(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& environment = {}) {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunWardend(args, environment, in, out, err);
  return {code, out.str(), err.str()};
}

class WardendCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("warden-cmd-", getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

TEST_F(WardendCommandsTest, HelpListsEveryCommandAndTheServerFlags) {
  Result help = Wardend({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const Subcommand& command : WardendCommands()) {
    EXPECT_THAT(help.out, HasSubstr(absl::StrCat("wardend ", command.name)));
  }
  EXPECT_THAT(help.out, HasSubstr("--max-connections-per-address"));
  Result keys_help = Wardend({"keys", "--help"});
  EXPECT_EQ(keys_help.code, 0);
  EXPECT_THAT(keys_help.out, HasSubstr("--immediate"));
}

TEST_F(WardendCommandsTest, AnUnknownCommandIsAUsageError) {
  Result result = Wardend({"frobnicate"});
  EXPECT_EQ(result.code, 2);
  EXPECT_THAT(result.err, HasSubstr("unknown command 'frobnicate'"));
}

TEST_F(WardendCommandsTest, OwnAndServerProblemsAreListedTogether) {
  Result result = Wardend({"audit", "list", "--bogus", "--listen", "nonsense", "--dev"});
  EXPECT_EQ(result.code, 2);
  EXPECT_THAT(result.err, HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(result.err, HasSubstr("listen: 'nonsense' is not HOST:PORT"));
  EXPECT_THAT(result.err, HasSubstr("usage: wardend audit list"));
}

TEST_F(WardendCommandsTest, OwnFlagsGoToTheCommandAndServerFlagsToTheConfiguration) {
  const std::map<std::string, std::string> env = {{"WARDEN_BOOTSTRAP_PASSWORD", "correct horse"}};
  Result made = Wardend({"bootstrap-admin", "--data-dir", dir_, "--username", "root", "--dev",
                         "--email", "root@example.com"},
                        env);
  EXPECT_EQ(made.code, 0) << made.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/warden.db"));
  Result again = Wardend({"bootstrap-admin", "--username", "other", "--dev", "--data-dir", dir_,
                          "--email", "o@example.com"},
                         env);
  EXPECT_EQ(again.code, 3) << again.err;  // an admin exists already
  Result forced = Wardend({"bootstrap-admin", "--username", "other", "--force", "--dev",
                           "--data-dir", dir_, "--email", "o@example.com"},
                          env);
  EXPECT_EQ(forced.code, 0) << forced.err;
}

TEST_F(WardendCommandsTest, MigrateNeedsNoSigningKeyButServingDoes) {
  Result migrated = Wardend({"migrate", "--data-dir", dir_});
  EXPECT_EQ(migrated.code, 0) << migrated.err;
  Result serve = Wardend({"--data-dir", dir_});
  EXPECT_EQ(serve.code, 2);
  EXPECT_THAT(serve.err, HasSubstr("no signing key configured"));
}

TEST_F(WardendCommandsTest, KeysTakeTheirWordsAndRefuseOthers) {
  ASSERT_TRUE(DevMasterKey(dir_).ok());  // what a first --dev server run leaves
  Result listed = Wardend({"keys", "list", "--dev", "--data-dir", dir_});
  EXPECT_EQ(listed.code, 0) << listed.err;
  Result rotated = Wardend({"keys", "rotate", "--immediate", "--dev", "--data-dir", dir_});
  EXPECT_EQ(rotated.code, 0) << rotated.err;
  EXPECT_THAT(rotated.out, HasSubstr("signs now"));
  Result dashed = Wardend({"keys", "withdraw", "--dev", "--data-dir", dir_, "--", "--no-such-kid"});
  EXPECT_EQ(dashed.code, 4) << dashed.err;  // the word after -- is a kid, not a flag
  Result extra = Wardend({"keys", "list", "more", "words", "--dev", "--data-dir", dir_});
  EXPECT_EQ(extra.code, 2);
  EXPECT_THAT(extra.err, Not(HasSubstr("unknown flag")));
  EXPECT_THAT(extra.err, HasSubstr("unexpected argument 'words'"));
}

}  // namespace
}  // namespace warden::app
