#include "core/validation.h"

#include <gtest/gtest.h>

#include "common/testing/status_matchers.h"

namespace warden::core {
namespace {

RegistrationRequest Valid() {
  return {.username = "alice.b-c_1",
          .email = "alice+tag@mail.example.com",
          .password = "12345678",
          .full_name = "Alice Ä. Beta"};
}

TEST(ValidationTest, AcceptsAValidRequest) { EXPECT_THAT(ValidateRegistration(Valid()), IsOk()); }

TEST(ValidationTest, UsernameRules) {
  for (std::string bad : std::vector<std::string>{"", "ab", std::string(65, 'a'), "has space",
                                                  "semi;colon", "ünï", std::string("nul\0x", 5)}) {
    RegistrationRequest r = Valid();
    r.username = bad;
    EXPECT_THAT(ValidateRegistration(r), StatusIs(absl::StatusCode::kInvalidArgument, "username"))
        << bad;
  }
  RegistrationRequest r = Valid();
  r.username = std::string(64, 'a');
  EXPECT_THAT(ValidateRegistration(r), IsOk());
}

TEST(ValidationTest, EmailRules) {
  for (std::string bad : std::vector<std::string>{
           "", "plain", "@example.com", "a@", "a@b", "a@-b.com", "a@b-.com", "a..b@example.com",
           ".a@example.com", "a b@example.com", "a@exa mple.com", "a@b.com\n",
           std::string("a\0@b.com", 8), std::string(250, 'a') + "@b.com"}) {
    RegistrationRequest r = Valid();
    r.email = bad;
    EXPECT_THAT(ValidateRegistration(r), StatusIs(absl::StatusCode::kInvalidArgument, "email"))
        << bad;
  }
}

TEST(ValidationTest, PasswordRulesWithoutTruncation) {
  RegistrationRequest r = Valid();
  r.password = "1234567";
  EXPECT_THAT(ValidateRegistration(r), StatusIs(absl::StatusCode::kInvalidArgument, "password"));
  r.password = std::string(1025, 'x');
  EXPECT_THAT(ValidateRegistration(r), StatusIs(absl::StatusCode::kInvalidArgument, "password"));
  r.password = std::string("abcd\0efgh", 9);
  EXPECT_THAT(ValidateRegistration(r), StatusIs(absl::StatusCode::kInvalidArgument, "password"));
  r.password = std::string(1024, 'x');
  EXPECT_THAT(ValidateRegistration(r), IsOk());
  r.password = "pässwörd ✓ with spaces";
  EXPECT_THAT(ValidateRegistration(r), IsOk());
}

TEST(ValidationTest, FullNameRules) {
  RegistrationRequest r = Valid();
  r.full_name = std::string(257, 'x');
  EXPECT_THAT(ValidateRegistration(r), StatusIs(absl::StatusCode::kInvalidArgument, "full_name"));
  r.full_name = "tab\there";
  EXPECT_THAT(ValidateRegistration(r), StatusIs(absl::StatusCode::kInvalidArgument, "full_name"));
  r.full_name = "";
  EXPECT_THAT(ValidateRegistration(r), IsOk());
}

TEST(ValidationTest, CaseFoldKeyLowersAscii) { EXPECT_EQ(CaseFoldKey("AlIcE.B"), "alice.b"); }

}  // namespace
}  // namespace warden::core
