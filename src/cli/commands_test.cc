#include "cli/commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "client/testing/mock_auth_stub.h"
#include "warden/v1/admin.pb.h"

namespace warden::cli {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("warden-cli-test-", getpid(), "-", counter_++);
    std::filesystem::create_directories(dir_);
    env_ = {{"WARDEN_CREDENTIALS", (dir_ / "sub" / "credentials.json").string()}};
    stub_ = std::make_shared<client::MockAuthStub>();
    invoker_ = std::make_shared<client::MockUnaryInvoker>();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  int RunCli(std::vector<std::string> args, const std::string& stdin_text = "") {
    in_.str(stdin_text);
    in_.clear();
    out_.str("");
    err_.str("");
    return ::warden::cli::Run(
        args, env_,
        [this](const std::string& address, const client::ChannelOptions&) -> absl::StatusOr<Stubs> {
          last_address_ = address;
          return Stubs{.auth = stub_, .invoker = invoker_};
        },
        {.in = in_, .out = out_, .err = err_});
  }

  void LoginAs(const std::string& access, const std::string& refresh) {
    ::auth::LoginResponse response;
    response.set_access_token(access);
    response.set_refresh_token(refresh);
    response.set_token_type("Bearer");
    response.set_expires_in(900);
    EXPECT_CALL(*stub_, Login(_, _)).WillOnce(Return(response));
    ASSERT_EQ(RunCli({"login", "--username", "alice", "--password-stdin"}, "pw12345678\n"), kOk);
  }

  std::string Credentials() {
    std::ifstream in(env_["WARDEN_CREDENTIALS"]);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  std::shared_ptr<client::MockAuthStub> stub_;
  std::shared_ptr<client::MockUnaryInvoker> invoker_;
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
  std::string last_address_;
};

TEST_F(CommandsTest, LoginWritesPrivateCredentialsFile) {
  LoginAs("access-1", "wrt_refresh-1");
  EXPECT_THAT(Credentials(), HasSubstr("access-1"));
  struct stat st {};
  ASSERT_EQ(stat(env_["WARDEN_CREDENTIALS"].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(last_address_, "127.0.0.1:50051");
}

TEST_F(CommandsTest, LoginSendsPasswordFromStdin) {
  ::auth::LoginResponse response;
  EXPECT_CALL(*stub_, Login(_, _))
      .WillOnce([&](client::CallContext&, const ::auth::LoginRequest& request) {
        EXPECT_EQ(request.username(), "alice");
        EXPECT_EQ(request.password(), "secret password");
        return absl::StatusOr<::auth::LoginResponse>(response);
      });
  EXPECT_EQ(RunCli({"--addr", "10.1.2.3:99", "login", "--username=alice", "--password-stdin"},
                   "secret password\n"),
            kOk);
  EXPECT_EQ(last_address_, "10.1.2.3:99");
}

TEST_F(CommandsTest, WhoamiUsesStoredTokenAndPrintsJson) {
  LoginAs("access-1", "wrt_refresh-1");
  ::auth::TokenInfo info;
  info.set_user_id("u-1");
  info.set_username("alice");
  info.add_roles("user");
  info.set_expires_at(123);
  EXPECT_CALL(*stub_, ValidateToken(_)).WillOnce(Return(info));
  EXPECT_EQ(RunCli({"--output", "json", "whoami"}), kOk);
  EXPECT_THAT(out_.str(), HasSubstr(R"("username":"alice")"));
  EXPECT_THAT(out_.str(), HasSubstr(R"("roles":["user"])"));
}

TEST_F(CommandsTest, WhoamiWithoutLoginIsUnauthenticated) {
  EXPECT_EQ(RunCli({"whoami"}), kUnauthenticated);
  EXPECT_THAT(err_.str(), HasSubstr("not logged in"));
}

TEST_F(CommandsTest, RefreshStoresRotatedTokens) {
  LoginAs("access-1", "wrt_refresh-1");
  ::auth::RefreshTokenResponse response;
  response.set_access_token("access-2");
  response.set_refresh_token("wrt_refresh-2");
  EXPECT_CALL(*stub_, RefreshToken(_, _))
      .WillOnce([&](client::CallContext&, const ::auth::RefreshTokenRequest& request) {
        EXPECT_EQ(request.refresh_token(), "wrt_refresh-1");
        return absl::StatusOr<::auth::RefreshTokenResponse>(response);
      });
  EXPECT_EQ(RunCli({"refresh"}), kOk);
  EXPECT_THAT(Credentials(), HasSubstr("wrt_refresh-2"));
  EXPECT_THAT(Credentials(), ::testing::Not(HasSubstr("wrt_refresh-1")));
}

TEST_F(CommandsTest, AdminCommandsMakeTypedCallsAsTheApiKeyAndPrintJson) {
  EXPECT_CALL(*invoker_, Invoke(_, _, _, _))
      .WillOnce([](client::CallContext& context, const client::Method& method,
                   const google::protobuf::Message& request, google::protobuf::Message& response) {
        EXPECT_EQ(method.name, "/warden.v1.AdminService/SetRoles");
        EXPECT_EQ(context.Metadata("x-api-key"), "wak_key");
        EXPECT_EQ(context.Metadata("authorization"), "");
        const auto& roles = dynamic_cast<const ::warden::v1::SetRolesRequest&>(request);
        EXPECT_EQ(roles.user_id(), "u-1");
        EXPECT_EQ(roles.roles_size(), 2);
        dynamic_cast<::warden::v1::SetRolesResponse&>(response).mutable_user()->add_roles("admin");
        return absl::OkStatus();
      });
  EXPECT_EQ(RunCli({"--output", "json", "--api-key", "wak_key", "admin", "roles", "set", "u-1",
                    "admin,user"}),
            kOk);
  EXPECT_THAT(out_.str(), HasSubstr(R"("user":{"roles":["admin"]})"));

  EXPECT_CALL(*invoker_, Invoke(_, _, _, _))
      .WillOnce(Return(absl::PermissionDeniedError("needs users:write")));
  EXPECT_EQ(RunCli({"--api-key", "wak_key", "admin", "users", "delete", "u-1"}), kRejected);
  EXPECT_THAT(err_.str(), HasSubstr("needs users:write"));
}

TEST_F(CommandsTest, LogoutRemovesCredentials) {
  LoginAs("access-1", "wrt_refresh-1");
  EXPECT_CALL(*stub_, Logout(_)).WillOnce(Return(absl::OkStatus()));
  EXPECT_EQ(RunCli({"logout"}), kOk);
  EXPECT_FALSE(std::filesystem::exists(env_["WARDEN_CREDENTIALS"]));
}

TEST_F(CommandsTest, LogoutKeepsCredentialsWhenServerUnreachable) {
  LoginAs("access-1", "wrt_refresh-1");
  EXPECT_CALL(*stub_, Logout(_)).WillOnce(Return(absl::UnavailableError("down")));
  EXPECT_EQ(RunCli({"logout"}), kUnavailable);
  EXPECT_TRUE(std::filesystem::exists(env_["WARDEN_CREDENTIALS"]));
}

TEST_F(CommandsTest, ErrorsMapToDistinctExitCodes) {
  EXPECT_CALL(*stub_, Register(_, _))
      .WillOnce(Return(absl::AlreadyExistsError("username: already taken")))
      .WillOnce(Return(absl::ResourceExhaustedError("busy")));
  EXPECT_EQ(RunCli({"register", "--username", "alice", "--email", "a@b.co", "--password", "x"}),
            kRejected);
  EXPECT_THAT(err_.str(), HasSubstr("username: already taken"));
  EXPECT_EQ(RunCli({"register", "--username", "alice", "--email", "a@b.co", "--password", "x"}),
            kResourceExhausted);
}

TEST_F(CommandsTest, HealthExitCodeFollowsServingStatus) {
  ::grpc::health::v1::HealthCheckResponse serving;
  serving.set_status(::grpc::health::v1::HealthCheckResponse::SERVING);
  ::grpc::health::v1::HealthCheckResponse not_serving;
  not_serving.set_status(::grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_CALL(*stub_, Check(_, _))
      .WillOnce(Return(serving))
      .WillOnce(Return(not_serving))
      .WillOnce(Return(absl::UnavailableError("connection refused")));
  EXPECT_EQ(RunCli({"health"}), kOk);
  EXPECT_THAT(out_.str(), HasSubstr("SERVING"));
  EXPECT_EQ(RunCli({"health", "--service", "auth.AuthService"}), kFailed);
  EXPECT_EQ(RunCli({"health"}), kUnavailable);
}

TEST_F(CommandsTest, UsageErrors) {
  EXPECT_EQ(RunCli({}), kUsage);
  EXPECT_EQ(RunCli({"frobnicate"}), kUsage);
  EXPECT_EQ(RunCli({"login", "--bogus", "x"}), kUsage);
  EXPECT_EQ(RunCli({"--output", "xml", "health"}), kUsage);
  EXPECT_EQ(RunCli({"login", "--username", "alice"}), kUsage) << "no password source";
  EXPECT_EQ(RunCli({"--help"}), kOk);
}

TEST_F(CommandsTest, EachCommandTakesOnlyItsOwnFlagsAndGlobalFlagsAnywhere) {
  EXPECT_EQ(RunCli({"whoami", "--username", "alice"}), kUsage);
  EXPECT_THAT(err_.str(), ::testing::HasSubstr("unknown flag --username"));
  EXPECT_EQ(RunCli({"health", "--service", "auth.AuthService", "--addr", "dns:///warden:50051",
                    "--timeout=oops"}),
            kUsage);
  EXPECT_THAT(err_.str(), ::testing::HasSubstr("--timeout must be a positive number"));
  env_["WARDEN_ADDR"] = "10.0.0.1:1";
  EXPECT_CALL(*stub_, Check(_, _)).WillOnce(Return(::grpc::health::v1::HealthCheckResponse()));
  RunCli({"health", "--addr", "127.0.0.2:9"});
  EXPECT_EQ(last_address_, "127.0.0.2:9") << "the flag beats WARDEN_ADDR";
  EXPECT_EQ(RunCli({"--tls=maybe", "health"}), kUsage);
  EXPECT_THAT(UsageText(), ::testing::HasSubstr("--tls-server-name NAME"));
}

}  // namespace
}  // namespace warden::cli
