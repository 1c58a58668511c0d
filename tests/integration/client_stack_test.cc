// The client stack against a real in-process wardend: MakeClientStack with TokenSource
// credentials, the typed admin client's errors, and TokenCallCredentials on a generated stub.
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "auth.grpc.pb.h"
#include "client/admin_client.h"
#include "client/client_stack.h"
#include "client/methods.h"
#include "client/token_credentials.h"
#include "common/testing/status_matchers.h"
#include "server_fixture.h"

namespace warden::testing {
namespace {

using ::testing::HasSubstr;

class ClientStackTest : public ServerFixture {};

TEST_F(ClientStackTest, SignsInRefreshesCountsAndTracesThroughTheWholeStack) {
  ASSERT_THAT(client().Register(User("stan")), IsOk());
  static const SystemClock kClock;
  client::ClientOptions options;
  options.target = "ipv4:" + Address();  // one lane with its breaker
  options.metrics = std::make_shared<prometheus::Registry>();
  std::vector<std::string> peers;
  options.observer = [&](const client::CallRecord& record) { peers.push_back(record.peer); };
  absl::StatusOr<client::ClientStack> signer = client::MakeClientStack(options);
  ASSERT_THAT(signer, IsOk());
  options.credentials =
      client::TokenSource::Password(signer->auth, "stan", "password-of-stan", {}, kClock);
  absl::StatusOr<client::ClientStack> stack = client::MakeClientStack(options);
  ASSERT_THAT(stack, IsOk());
  ASSERT_NE(stack->balancer, nullptr);

  for (int i = 0; i < 3; ++i) {
    client::CallContext context;
    ::auth::TokenInfo info;
    ASSERT_THAT(stack->invoker->Invoke(context, client::methods::kValidateToken,
                                       google::protobuf::Empty(), info),
                IsOk());
    EXPECT_EQ(info.username(), "stan");
    EXPECT_EQ(context.peer, "ipv4:" + Address());
  }
  const std::string text = prometheus::TextSerializer().Serialize(options.metrics->Collect());
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(grpc_client_handled_total{grpc_code="OK",grpc_method="ValidateToken",grpc_service="auth.AuthService",grpc_type="unary"} 3)"));
  EXPECT_THAT(text, HasSubstr(R"(grpc_client_handled_total{grpc_code="OK",grpc_method="Login")"));
  EXPECT_EQ(stack->balancer->Endpoints().at(0).calls, 3u);

  // A user without the admin role gets the server's refusal through the typed admin client.
  client::AdminClient admin(stack->invoker, {});
  absl::StatusOr<v1::ListUsersResponse> users = admin.ListUsers({});
  EXPECT_EQ(users.status().code(), absl::StatusCode::kPermissionDenied) << users.status();
}

TEST_F(ClientStackTest, TokenCallCredentialsSignAGeneratedStubsCalls) {
  ASSERT_THAT(client().Register(User("tess")), IsOk());
  static const SystemClock kClock;
  auto source = client::TokenSource::Password(
      std::make_shared<client::AuthClient>(stub_, client::AuthClient::Options{}), "tess",
      "password-of-tess", {}, kClock);
  // Plaintext on loopback: gRPC sends call credentials only when told the channel may carry
  // them (GRPC_SECURITY_NONE).
  auto channel = grpc::CreateChannel(
      Address(),
      grpc::CompositeChannelCredentials(grpc::experimental::LocalCredentials(LOCAL_TCP),
                                        client::TokenCallCredentials(source, GRPC_SECURITY_NONE)));
  auto generated = ::auth::AuthService::NewStub(channel);
  grpc::ClientContext context;
  ::auth::TokenInfo info;
  grpc::Status status = generated->ValidateToken(&context, google::protobuf::Empty(), &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(info.username(), "tess");

  auto ended = client::TokenSource::Session(
      std::make_shared<client::AuthClient>(stub_, client::AuthClient::Options{}),
      {.access_token = "x", .refresh_token = "wrt_unknown", .expires_at = kClock.WallNow()}, {},
      kClock);
  auto refused = ::auth::AuthService::NewStub(grpc::CreateChannel(
      Address(),
      grpc::CompositeChannelCredentials(grpc::experimental::LocalCredentials(LOCAL_TCP),
                                        client::TokenCallCredentials(ended, GRPC_SECURITY_NONE))));
  grpc::ClientContext again;
  status = refused->ValidateToken(&again, google::protobuf::Empty(), &info);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.error_message(), HasSubstr("the session has ended"));
}

}  // namespace
}  // namespace warden::testing
