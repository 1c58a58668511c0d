#include "common/flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::flags {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

FlagSet Set() {
  return FlagSet({{.name = "name", .value_name = "N", .env = "T_NAME", .help = "a name"},
                  {.name = "force", .help = "a switch"},
                  {.name = "limit", .value_name = "N", .default_text = "10", .help = "a limit"}});
}

TEST(FlagSetTest, ValuesBySpaceOrEqualsAndBareSwitches) {
  Parsed parsed = Set().Parse({"--name", "ann", "--limit=5", "--force"});
  EXPECT_THAT(parsed.problems, IsEmpty());
  EXPECT_EQ(parsed.Get("name"), "ann");
  EXPECT_EQ(parsed.Get("limit"), "5");
  EXPECT_EQ(parsed.Get("force"), "true");
  EXPECT_EQ(Set().Parse({"--force=false"}).Get("force"), "false");
  EXPECT_FALSE(parsed.Has("missing"));
}

TEST(FlagSetTest, EveryProblemIsNamed) {
  Parsed parsed = Set().Parse({"--bogus", "word", "--name"});
  EXPECT_THAT(parsed.problems, ElementsAre("unknown flag --bogus", "unexpected argument 'word'",
                                           "--name: needs a value"));
}

TEST(FlagSetTest, PositionalsUpToTheLimitAndAfterDoubleDash) {
  Parsed parsed =
      Set().Parse({"withdraw", "--force", "--", "-kid-with-dash"}, {.max_positionals = 2});
  EXPECT_THAT(parsed.problems, IsEmpty());
  EXPECT_THAT(parsed.positionals, ElementsAre("withdraw", "-kid-with-dash"));
  EXPECT_TRUE(parsed.Has("force"));
  // A single dash is a word, not a flag.
  EXPECT_THAT(Set().Parse({"-x"}, {.max_positionals = 1}).positionals, ElementsAre("-x"));
}

TEST(FlagSetTest, FlagsOfAnotherSetArePassedOnWithTheirValues) {
  FlagSet server(
      {{.name = "data-dir", .value_name = "DIR", .help = "d"}, {.name = "dev", .help = "switch"}});
  Parsed parsed = Set().Parse({"--data-dir", "/x", "--name", "n", "--dev"}, {.pass_on = &server});
  EXPECT_THAT(parsed.problems, IsEmpty());
  EXPECT_THAT(parsed.passed_on, ElementsAre("--data-dir=/x", "--dev=true"));
  EXPECT_EQ(parsed.Get("name"), "n");
}

TEST(FlagSetTest, HelpIsNotAProblem) {
  Parsed parsed = Set().Parse({"-h"});
  EXPECT_TRUE(parsed.help);
  EXPECT_THAT(parsed.problems, IsEmpty());
}

TEST(FlagSetTest, EnvironmentByDeclaredVariable) {
  EXPECT_EQ(Set().FromEnvironment({{"T_NAME", "env"}, {"OTHER", "x"}}),
            (std::map<std::string, std::string>{{"name", "env"}}));
  EXPECT_THAT(Set().FromEnvironment({{"T_NAME", ""}}), IsEmpty());
}

TEST(FlagSetTest, UsageAndMarkdownComeFromTheDeclaration) {
  EXPECT_THAT(Set().Usage(), HasSubstr("  --name N  (T_NAME)\n      a name\n"));
  EXPECT_THAT(Set().Usage(), HasSubstr("  --limit N\n      a limit (default 10)\n"));
  EXPECT_THAT(Set().MarkdownTable(), HasSubstr("| `--force` |  |  | a switch |"));
}

TEST(ParseTest, BoolsAndNumbers) {
  bool b = false;
  EXPECT_EQ(ParseBool("yes", b), std::nullopt);
  EXPECT_TRUE(b);
  EXPECT_EQ(ParseBool("0", b), std::nullopt);
  EXPECT_FALSE(b);
  EXPECT_EQ(ParseBool("maybe", b), "must be true or false");
  uint32_t n = 0;
  EXPECT_EQ(ParseUint32("42", n), std::nullopt);
  EXPECT_EQ(n, 42u);
  EXPECT_EQ(ParseUint32("-1", n), "must be a non-negative integer");
}

}  // namespace
}  // namespace warden::flags
