#include "client/token_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "client/testing/mock_auth_stub.h"
#include "common/testing/fake_clock.h"

namespace warden::client {
namespace {

using std::chrono::seconds;
using ::testing::_;
using ::testing::Return;

::auth::LoginResponse LoginAnswer(const std::string& access, const std::string& refresh) {
  ::auth::LoginResponse response;
  response.set_access_token(access);
  response.set_refresh_token(refresh);
  response.set_expires_in(900);
  return response;
}

::auth::RefreshTokenResponse RefreshAnswer(const std::string& access, const std::string& refresh) {
  ::auth::RefreshTokenResponse response;
  response.set_access_token(access);
  response.set_refresh_token(refresh);
  response.set_expires_in(900);
  return response;
}

class TokenSourceTest : public ::testing::Test {
 protected:
  std::string Bearer(TokenSource& source) {
    absl::StatusOr<std::pair<std::string, std::string>> header = source.Header();
    return header.ok() ? header->second : std::string(header.status().message());
  }
  FakeClock clock_;
  std::shared_ptr<MockAuthStub> stub_ = std::make_shared<MockAuthStub>();
  std::shared_ptr<AuthClient> auth_ = std::make_shared<AuthClient>(stub_, AuthClient::Options{});
};

TEST_F(TokenSourceTest, SignsInOnceThenRefreshesBeforeExpiryFollowingRotation) {
  EXPECT_CALL(*stub_, Login(_, _)).WillOnce([](CallContext&, const ::auth::LoginRequest& r) {
    EXPECT_EQ(r.username(), "svc");
    EXPECT_EQ(r.refresh_token_mode(), ::auth::REFRESH_TOKEN_MODE_ROTATING);
    return LoginAnswer("a1", "r1");
  });
  std::vector<std::string> saved;
  auto source = TokenSource::Password(
      auth_, "svc", "pw",
      {.refresh_margin = seconds(30),
       .on_update = [&](const TokenSource::Tokens& t) { saved.push_back(t.refresh_token); }},
      clock_);
  EXPECT_EQ(Bearer(*source), "Bearer a1");
  clock_.Advance(seconds(869));
  EXPECT_EQ(Bearer(*source), "Bearer a1") << "31 s left: still fresh";

  EXPECT_CALL(*stub_, RefreshToken(_, _))
      .WillOnce([](CallContext&, const ::auth::RefreshTokenRequest& r) {
        EXPECT_EQ(r.refresh_token(), "r1");
        return RefreshAnswer("a2", "r2");
      })
      .WillOnce([](CallContext&, const ::auth::RefreshTokenRequest& r) {
        EXPECT_EQ(r.refresh_token(), "r2") << "the rotated token is the one sent next";
        return RefreshAnswer("a3", "");
      });
  clock_.Advance(seconds(1));
  EXPECT_EQ(Bearer(*source), "Bearer a2");
  clock_.Advance(seconds(880));
  EXPECT_EQ(Bearer(*source), "Bearer a3");
  EXPECT_EQ(source->tokens().refresh_token, "r2")
      << "an empty answer keeps the token (seed server)";
  EXPECT_EQ(saved, (std::vector<std::string>{"r1", "r2", "r2"}));
}

TEST_F(TokenSourceTest, ASessionThatEndedFailsClearlyWithoutAPassword) {
  EXPECT_CALL(*stub_, RefreshToken(_, _))
      .WillOnce(Return(absl::UnauthenticatedError("refresh token reused")));
  auto source = TokenSource::Session(
      auth_, {.access_token = "a", .refresh_token = "r", .expires_at = clock_.WallNow()}, {},
      clock_);
  absl::StatusOr<std::pair<std::string, std::string>> header = source->Header();
  ASSERT_EQ(header.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(header.status().message(), ::testing::HasSubstr("the session has ended"));
}

TEST_F(TokenSourceTest, AnEndedSessionSignsInAgainWhenThePasswordIsKnown) {
  EXPECT_CALL(*stub_, Login(_, _))
      .WillOnce(Return(LoginAnswer("a1", "r1")))
      .WillOnce(Return(LoginAnswer("a9", "r9")));
  EXPECT_CALL(*stub_, RefreshToken(_, _)).WillOnce(Return(absl::UnauthenticatedError("revoked")));
  auto source = TokenSource::Password(auth_, "svc", "pw", {}, clock_);
  EXPECT_EQ(Bearer(*source), "Bearer a1");
  clock_.Advance(seconds(900));
  EXPECT_EQ(Bearer(*source), "Bearer a9");
}

TEST_F(TokenSourceTest, KeepsAnUnexpiredTokenWhileTheServerIsUnreachable) {
  EXPECT_CALL(*stub_, Login(_, _)).WillOnce(Return(LoginAnswer("a1", "r1")));
  EXPECT_CALL(*stub_, RefreshToken(_, _))
      .WillOnce(Return(absl::UnavailableError("down")))
      .WillOnce(Return(absl::UnavailableError("down")));
  auto source = TokenSource::Password(auth_, "svc", "pw", {.refresh_margin = seconds(60)}, clock_);
  EXPECT_EQ(Bearer(*source), "Bearer a1");
  clock_.Advance(seconds(850));
  EXPECT_EQ(Bearer(*source), "Bearer a1") << "refresh failed, token still valid for 50 s";
  clock_.Advance(seconds(50));
  EXPECT_EQ(Bearer(*source), "down") << "expired and not renewed: the error";
}

TEST_F(TokenSourceTest, ConcurrentCallersShareOneRefresh) {
  EXPECT_CALL(*stub_, Login(_, _)).WillOnce(Return(LoginAnswer("a1", "r1")));
  auto source = TokenSource::Password(auth_, "svc", "pw", {}, clock_);
  EXPECT_EQ(Bearer(*source), "Bearer a1");
  clock_.Advance(seconds(900));
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  EXPECT_CALL(*stub_, RefreshToken(_, _)).WillOnce([&](auto&&...) {
    entered.set_value();
    released.wait();
    return absl::StatusOr<::auth::RefreshTokenResponse>(RefreshAnswer("a2", "r2"));
  });
  std::vector<std::future<std::string>> callers;
  callers.push_back(std::async(std::launch::async, [&] { return Bearer(*source); }));
  entered.get_future().wait();  // the first caller is inside the refresh
  for (int i = 0; i < 7; ++i) {
    callers.push_back(std::async(std::launch::async, [&] { return Bearer(*source); }));
  }
  release.set_value();
  for (auto& caller : callers) {
    EXPECT_EQ(caller.get(), "Bearer a2");
  }
}

TEST_F(TokenSourceTest, AnApiKeyIsSentAsIs) {
  auto source = TokenSource::ApiKey("wak_123");
  absl::StatusOr<std::pair<std::string, std::string>> header = source->Header();
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->first, "x-api-key");
  EXPECT_EQ(header->second, "wak_123");
}

}  // namespace
}  // namespace warden::client
