// End-to-end behaviour of auth.AuthService through a real in-process server and the client
// library: the seed's flow, error statuses, concurrency, load shedding and draining.
#include <grpcpp/generic/generic_stub.h>

#include <atomic>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "auth.grpc.pb.h"
#include "common/testing/status_matchers.h"
#include "server_fixture.h"

namespace warden::testing {
namespace {

using ::testing::HasSubstr;
using HealthStatus = ::grpc::health::v1::HealthCheckResponse;

class AuthFlowTest : public ServerFixture {};

TEST_F(AuthFlowTest, SeedFlowRegisterLoginValidateRefreshLogout) {
  absl::StatusOr<::auth::RegisterResponse> registered = client().Register(User("alice"));
  ASSERT_THAT(registered, IsOk());
  EXPECT_EQ(registered->user_id().size(), 36u);

  absl::StatusOr<::auth::LoginResponse> login = client().Login("alice", "password-of-alice");
  ASSERT_THAT(login, IsOk());
  EXPECT_EQ(login->token_type(), "Bearer");
  EXPECT_EQ(login->expires_in(), 900);

  absl::StatusOr<::auth::TokenInfo> info = client().ValidateToken(login->access_token());
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->user_id(), registered->user_id());
  EXPECT_EQ(info->username(), "alice");
  EXPECT_EQ(info->roles_size(), 1);
  EXPECT_EQ(info->roles(0), "user");
  EXPECT_GT(info->expires_at(), 0);

  absl::StatusOr<::auth::RefreshTokenResponse> refreshed =
      client().RefreshToken(login->refresh_token());
  ASSERT_THAT(refreshed, IsOk());
  EXPECT_FALSE(refreshed->refresh_token().empty());
  EXPECT_NE(refreshed->refresh_token(), login->refresh_token());
  EXPECT_EQ(refreshed->token_type(), "Bearer");
  EXPECT_THAT(client().ValidateToken(refreshed->access_token()), IsOk());
  // The client library asks for rotation; presenting the spent token again at once is a retry.
  EXPECT_EQ(login->refresh_token_mode(), ::auth::REFRESH_TOKEN_MODE_ROTATING);
  absl::StatusOr<::auth::RefreshTokenResponse> retried =
      client().RefreshToken(login->refresh_token());
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->refresh_token(), refreshed->refresh_token());

  ASSERT_THAT(client().Logout(refreshed->access_token()), IsOk());
  EXPECT_THAT(client().ValidateToken(refreshed->access_token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(client().RefreshToken(refreshed->refresh_token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // Tokens of the same session issued before the refresh die with it.
  EXPECT_THAT(client().ValidateToken(login->access_token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthFlowTest, InvalidInputGetsInvalidArgumentNamingTheField) {
  ::auth::RegisterRequest bad = User("bob");
  bad.set_email("not-an-email");
  EXPECT_THAT(client().Register(bad), StatusIs(absl::StatusCode::kInvalidArgument, "email"));
  bad = User("bob");
  bad.set_password(std::string(1025, 'p'));
  EXPECT_THAT(client().Register(bad), StatusIs(absl::StatusCode::kInvalidArgument, "password"));
  bad = User("bob");
  bad.set_full_name(std::string("a\0b", 3));
  EXPECT_THAT(client().Register(bad), StatusIs(absl::StatusCode::kInvalidArgument, "full_name"));
  EXPECT_THAT(client().Register(::auth::RegisterRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument, "username"));
  EXPECT_THAT(client().Login("", ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(client().RefreshToken(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AuthFlowTest, DuplicateUsernameOrEmailIsAlreadyExists) {
  ASSERT_THAT(client().Register(User("carol")), IsOk());
  ::auth::RegisterRequest same_name = User("CAROL");
  same_name.set_email("other@example.com");
  EXPECT_THAT(client().Register(same_name), StatusIs(absl::StatusCode::kAlreadyExists, "username"));
  ::auth::RegisterRequest same_email = User("carol2");
  same_email.set_email("Carol@Example.com");
  EXPECT_THAT(client().Register(same_email), StatusIs(absl::StatusCode::kAlreadyExists, "email"));
}

TEST_F(AuthFlowTest, BadCredentialsAndTokensAllLookTheSame) {
  ASSERT_THAT(client().Register(User("dave")), IsOk());
  absl::StatusOr<::auth::LoginResponse> wrong = client().Login("dave", "wrong-password");
  absl::StatusOr<::auth::LoginResponse> unknown = client().Login("nobody", "wrong-password");
  EXPECT_THAT(wrong, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(wrong.status(), unknown.status());

  absl::StatusOr<::auth::TokenInfo> garbage = client().ValidateToken("garbage");
  absl::StatusOr<::auth::TokenInfo> none = client().ValidateToken("");
  EXPECT_THAT(garbage, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(garbage.status(), none.status());
}

TEST_F(AuthFlowTest, BearerSchemeIsCaseInsensitiveAndOtherSchemesFail) {
  ASSERT_THAT(client().Register(User("erin")), IsOk());
  const std::string token = client().Login("erin", "password-of-erin")->access_token();
  for (const auto& [header, ok] :
       std::vector<std::pair<std::string, bool>>{{"bearer " + token, true},
                                                 {"BEARER " + token, true},
                                                 {"Basic " + token, false},
                                                 {token, false}}) {
    client::CallContext context;
    context.metadata.emplace_back("authorization", header);
    EXPECT_EQ(stub_->ValidateToken(context).ok(), ok) << header.substr(0, 10);
  }
  client::CallContext twice;
  twice.metadata.emplace_back("authorization", "Bearer " + token);
  twice.metadata.emplace_back("authorization", "Bearer " + token);
  EXPECT_THAT(stub_->ValidateToken(twice), StatusIs(absl::StatusCode::kUnauthenticated))
      << "ambiguous credentials are refused";
}

TEST_F(AuthFlowTest, PrincipalAnnotationNeverReachesTheClient) {
  ASSERT_THAT(client().Register(User("nora")), IsOk());
  const std::string token = client().Login("nora", "password-of-nora")->access_token();
  ::auth::AuthService::Stub raw(client::MakeChannel(Address()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  ::auth::TokenInfo info;
  ASSERT_TRUE(raw.ValidateToken(&context, {}, &info).ok());
  EXPECT_EQ(context.GetServerTrailingMetadata().count("x-warden-principal"), 0u);
}

TEST_F(AuthFlowTest, AccessAndRefreshTokensAreNotInterchangeable) {
  ASSERT_THAT(client().Register(User("frank")), IsOk());
  absl::StatusOr<::auth::LoginResponse> login = client().Login("frank", "password-of-frank");
  ASSERT_THAT(login, IsOk());
  EXPECT_THAT(client().RefreshToken(login->access_token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(client().ValidateToken(login->refresh_token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthFlowTest, LogoutRequiresValidBearer) {
  EXPECT_THAT(client().Logout(""), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(client().Logout("x.y.z"), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthFlowTest, EightThreadsRacingOnOneUsernameExactlyOneWins) {
  constexpr int kThreads = 8;
  std::vector<std::future<absl::Status>> results;
  for (int i = 0; i < kThreads; ++i) {
    results.push_back(std::async(std::launch::async, [this, i] {
      ::auth::RegisterRequest request = User("racer");
      request.set_email(absl::StrCat("racer", i, "@example.com"));
      return client().Register(request).status();
    }));
  }
  int ok = 0;
  int exists = 0;
  for (auto& result : results) {
    absl::Status status = result.get();
    ok += status.ok();
    exists += status.code() == absl::StatusCode::kAlreadyExists;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(exists, kThreads - 1);
}

TEST_F(AuthFlowTest, ManyThreadsRegisterAndLogInConcurrently) {
  constexpr int kThreads = 12;
  std::atomic<int> validated{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([this, i, &validated] {
      const std::string name = absl::StrCat("user", i);
      ASSERT_THAT(client().Register(User(name)), IsOk());
      absl::StatusOr<::auth::LoginResponse> login = client().Login(name, "password-of-" + name);
      ASSERT_THAT(login, IsOk());
      absl::StatusOr<::auth::TokenInfo> info = client().ValidateToken(login->access_token());
      ASSERT_THAT(info, IsOk());
      EXPECT_EQ(info->username(), name);
      validated.fetch_add(1);
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(validated.load(), kThreads);
}

TEST_F(AuthFlowTest, HealthServesOverallAndPerServiceAndKnowsNotFound) {
  EXPECT_EQ(client().Health("").value(), HealthStatus::SERVING);
  EXPECT_EQ(client().Health("auth.AuthService").value(), HealthStatus::SERVING);
  EXPECT_THAT(client().Health("no.Such"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(AuthFlowTest, OversizedRequestIsRejectedNotCrashing) {
  ::auth::RegisterRequest huge = User("huge");
  huge.set_full_name(std::string(200 * 1024, 'x'));
  EXPECT_THAT(client().Register(huge), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(client().Register(User("after-huge")), IsOk());
}

TEST_F(AuthFlowTest, MalformedProtobufIsAnErrorNotACrash) {
  grpc::GenericStub generic(client::MakeChannel(Address()));
  for (std::string payload : {std::string("\xff\xff\xff\xff", 4), std::string("\x0a\x05\x61", 3),
                              std::string("\x0a\x02\xc3\x28", 4)}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Slice slice(payload);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&context, "/auth.AuthService/Login", grpc::StubOptions(), &request, &response,
                      [&done](grpc::Status s) { done.set_value(s); });
    grpc::Status status = done.get_future().get();
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("malformed request"));
  }
  EXPECT_EQ(client().Health("").value(), HealthStatus::SERVING);
}

// A tiny hashing pool: excess logins are shed with RESOURCE_EXHAUSTED and a retry hint, while
// ValidateToken (which never waits for the pool) keeps answering.
class LoadSheddingTest : public ServerFixture {
 protected:
  void Configure(config::ServerConfig& config) override {
    config.workers.hash_threads = 1;
    config.workers.hash_queue = 1;
  }
};

TEST_F(LoadSheddingTest, FullHashPoolShedsLoginsButNotValidation) {
  ASSERT_THAT(client().Register(User("gina")), IsOk());
  const std::string token = client().Login("gina", "password-of-gina")->access_token();

  ::auth::AuthService::Stub raw(client::MakeChannel(Address()));
  constexpr int kCalls = 12;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<::auth::LoginResponse> responses(kCalls);
  std::vector<std::promise<grpc::Status>> done(kCalls);
  ::auth::LoginRequest request;
  request.set_username("gina");
  request.set_password("password-of-gina");
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    raw.async()->Login(contexts.back().get(), &request, &responses[static_cast<size_t>(i)],
                       [&done, i](grpc::Status s) { done[static_cast<size_t>(i)].set_value(s); });
  }
  EXPECT_THAT(client().ValidateToken(token), IsOk());
  int ok = 0;
  int shed = 0;
  for (int i = 0; i < kCalls; ++i) {
    grpc::Status status = done[static_cast<size_t>(i)].get_future().get();
    if (status.ok()) {
      ++ok;
    } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++shed;
      const auto& trailers = contexts[static_cast<size_t>(i)]->GetServerTrailingMetadata();
      EXPECT_EQ(trailers.count("grpc-retry-pushback-ms"), 1u);
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(shed, 1);
  EXPECT_EQ(ok + shed, kCalls);
}

// Draining: calls already admitted finish OK; health reports NOT_SERVING.
class DrainTest : public ServerFixture {};

TEST_F(DrainTest, InFlightCallsFinishDuringGracefulShutdown) {
  ASSERT_THAT(client().Register(User("hank")), IsOk());
  // The Register job may still be winding down on the pool just after its reply.
  for (int spins = 0; server_->PendingHashJobsForTest() != 0 && spins < 10000; ++spins) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::auth::AuthService::Stub raw(client::MakeChannel(Address()));
  constexpr int kCalls = 4;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<::auth::LoginResponse> responses(kCalls);
  std::vector<std::promise<grpc::Status>> done(kCalls);
  ::auth::LoginRequest request;
  request.set_username("hank");
  request.set_password("password-of-hank");
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    raw.async()->Login(contexts.back().get(), &request, &responses[static_cast<size_t>(i)],
                       [&done, i](grpc::Status s) { done[static_cast<size_t>(i)].set_value(s); });
  }
  // Wait until the server holds all our calls (bounded: ~10 s).
  for (int spins = 0; server_->PendingHashJobsForTest() < kCalls && spins < 10000; ++spins) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(server_->PendingHashJobsForTest(), static_cast<size_t>(kCalls));
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(20));
  for (int i = 0; i < kCalls; ++i) {
    grpc::Status status = done[static_cast<size_t>(i)].get_future().get();
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(responses[static_cast<size_t>(i)].access_token().empty());
  }
  EXPECT_EQ(server_->health().StatusOf("auth.AuthService"), HealthStatus::NOT_SERVING);
}

}  // namespace
}  // namespace warden::testing
