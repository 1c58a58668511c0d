#include "core/admin_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "common/testing/status_matchers.h"
#include "core/auth_service.h"
#include "core/testing/fakes.h"
#include "storage/memory/memory_stores.h"

#include "storage/memory/testing/fake_auth_ports.h"

namespace warden::core {
namespace {

class AdminServiceTest : public ::testing::Test, protected storage::testing::FakeAuthPorts {
 protected:
  void SetUp() override {
    auth_ = AuthService::Create(AuthPorts(), AuthService::Options{}).value();
    for (const char* name : {"alice", "bob", "carol"}) {
      ids_.push_back(auth_
                         ->Register({.username = name,
                                     .email = std::string(name) + "@example.com",
                                     .password = "correct horse"})
                         .value()
                         .id);
    }
  }

  std::string alice() const { return ids_[0]; }

  std::unique_ptr<AuthService> auth_;
  AdminService admin_{AdminPorts(), AdminService::Options{}};
  Principal root_{.kind = Principal::Kind::kUser, .id = "root-id", .name = "root"};
  std::vector<std::string> ids_;
};

TEST_F(AdminServiceTest, ListsUsersPageByPage) {
  absl::StatusOr<UserPage> first = admin_.ListUsers("", 2);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->users.size(), 2u);
  EXPECT_EQ(first->users[0].username, "alice");
  ASSERT_FALSE(first->next_page_token.empty());
  absl::StatusOr<UserPage> second = admin_.ListUsers(first->next_page_token, 2);
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->users.size(), 1u);
  EXPECT_EQ(second->users[0].username, "carol");
  EXPECT_TRUE(second->next_page_token.empty());
}

TEST_F(AdminServiceTest, SetRolesValidatesAndRevokesExistingTokens) {
  absl::StatusOr<TokenPair> tokens = auth_->Login("alice", "correct horse");
  ASSERT_THAT(tokens, IsOk());
  EXPECT_THAT(admin_.SetRoles(root_, alice(), {"Admin!"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "roles"));
  absl::StatusOr<User> updated = admin_.SetRoles(root_, alice(), {"user", "admin", "admin"});
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_EQ(users_.FindById(alice())->roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_THAT(auth_->Validate(tokens->access_token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->RefreshToken(tokens->refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // The next login carries the new roles.
  absl::StatusOr<TokenPair> again = auth_->Login("alice", "correct horse");
  ASSERT_THAT(again, IsOk());
  EXPECT_THAT(auth_->Validate(again->access_token)->roles, ::testing::Contains("admin"));
}

TEST_F(AdminServiceTest, DisabledUserCannotLogInOrRefreshUntilEnabled) {
  absl::StatusOr<TokenPair> tokens = auth_->Login("alice", "correct horse");
  ASSERT_THAT(admin_.SetDisabled(root_, alice(), true), IsOk());
  EXPECT_THAT(auth_->Validate(tokens->access_token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->RefreshToken(tokens->refresh_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Login("alice", "correct horse"),
              StatusIs(absl::StatusCode::kUnauthenticated, std::string(kInvalidCredentials)));
  ASSERT_THAT(admin_.SetDisabled(root_, alice(), false), IsOk());
  EXPECT_THAT(auth_->Login("alice", "correct horse"), IsOk());
}

TEST_F(AdminServiceTest, DeleteUserEndsSessionsAndFreesTheName) {
  absl::StatusOr<TokenPair> tokens = auth_->Login("alice", "correct horse");
  ASSERT_THAT(admin_.DeleteUser(root_, alice()), IsOk());
  EXPECT_THAT(auth_->Validate(tokens->access_token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(admin_.GetUser(alice()), StatusIs(absl::StatusCode::kNotFound, "user_id"));
  EXPECT_THAT(admin_.DeleteUser(root_, alice()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(auth_->Register(
                  {.username = "alice", .email = "alice@example.com", .password = "another horse"}),
              IsOk());
}

TEST_F(AdminServiceTest, SessionsAreListedAndRevokedOneOrAll) {
  absl::StatusOr<TokenPair> first = auth_->Login("alice", "correct horse");
  absl::StatusOr<TokenPair> second = auth_->Login("alice", "correct horse");
  absl::StatusOr<std::vector<Session>> sessions = admin_.ListSessions(alice());
  ASSERT_THAT(sessions, IsOk());
  ASSERT_EQ(sessions->size(), 2u);
  const std::string first_sid = auth_->Validate(first->access_token)->session_id;
  ASSERT_THAT(admin_.RevokeSession(root_, first_sid), IsOk());
  EXPECT_THAT(auth_->Validate(first->access_token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Validate(second->access_token), IsOk());
  EXPECT_THAT(admin_.RevokeSession(root_, "no-such-session"),
              StatusIs(absl::StatusCode::kNotFound, "session_id"));
  EXPECT_EQ(admin_.RevokeUserSessions(root_, alice()).value(), 1);
  EXPECT_THAT(auth_->Validate(second->access_token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AdminServiceTest, SetPasswordRevokesEverySession) {
  absl::StatusOr<TokenPair> tokens = auth_->Login("alice", "correct horse");
  EXPECT_THAT(admin_.SetPassword(root_, alice(), "short"),
              StatusIs(absl::StatusCode::kInvalidArgument, "new_password"));
  ASSERT_THAT(admin_.SetPassword(root_, alice(), "battery staple"), IsOk());
  EXPECT_THAT(auth_->Validate(tokens->access_token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Login("alice", "correct horse"), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Login("alice", "battery staple"), IsOk());
}

TEST_F(AdminServiceTest, ChangePasswordNeedsTheCurrentOneAndKeepsOnlyThisSession) {
  absl::StatusOr<TokenPair> here = auth_->Login("alice", "correct horse");
  absl::StatusOr<TokenPair> elsewhere = auth_->Login("alice", "correct horse");
  absl::StatusOr<AccessClaims> claims = auth_->Validate(here->access_token);
  const Principal me{.kind = Principal::Kind::kUser,
                     .id = claims->subject,
                     .name = claims->username,
                     .session_id = claims->session_id};
  EXPECT_THAT(admin_.ChangePassword(me, "wrong horse", "battery staple"),
              StatusIs(absl::StatusCode::kPermissionDenied, "current_password"));
  EXPECT_THAT(admin_.ChangePassword(me, "correct horse", "tiny"),
              StatusIs(absl::StatusCode::kInvalidArgument, "new_password"));
  ASSERT_THAT(admin_.ChangePassword(me, "correct horse", "battery staple"), IsOk());
  EXPECT_THAT(auth_->Validate(here->access_token), IsOk());
  EXPECT_THAT(auth_->Validate(elsewhere->access_token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(auth_->Login("alice", "battery staple"), IsOk());
  const Principal key{.kind = Principal::Kind::kApiKey, .id = "k1", .name = "ci"};
  EXPECT_THAT(admin_.ChangePassword(key, "x", "battery staple"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(AdminServiceTest, CreateUserWithRolesValidatesLikeRegister) {
  absl::StatusOr<User> made = admin_.CreateUser(
      root_, {.username = "root2", .email = "root2@example.com", .password = "correct horse"},
      {"admin", "user"});
  ASSERT_THAT(made, IsOk());
  EXPECT_EQ(users_.FindByUsernameKey("root2")->roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_THAT(auth_->Login("root2", "correct horse"), IsOk());
  EXPECT_THAT(
      admin_.CreateUser(root_, {.username = "x", .email = "x@y.z", .password = "12345678"}, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, "username"));
  EXPECT_THAT(
      admin_.CreateUser(
          root_, {.username = "alice", .email = "a2@example.com", .password = "12345678"}, {}),
      StatusIs(absl::StatusCode::kAlreadyExists));
}

}  // namespace
}  // namespace warden::core
