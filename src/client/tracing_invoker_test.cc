#include "client/tracing_invoker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "client/methods.h"
#include "client/testing/mock_auth_stub.h"
#include "common/testing/fake_clock.h"
#include "google/protobuf/empty.pb.h"

namespace warden::client {
namespace {

using ::testing::_;

TEST(TracingInvokerTest, AddsAFreshTraceparentAndReportsTheCall) {
  FakeClock clock;
  auto next = std::make_shared<MockUnaryInvoker>();
  std::string sent;
  EXPECT_CALL(*next, Invoke(_, _, _, _)).WillOnce([&](CallContext& context, auto&&...) {
    sent = context.Metadata("traceparent");
    context.peer = "ipv4:127.0.0.2:5";
    context.attempts = 2;
    clock.Advance(std::chrono::milliseconds(7));
    return absl::NotFoundError("gone");
  });
  std::vector<std::string> seen;
  TracingInvoker tracing(
      next,
      [&](const CallRecord& record) {
        seen.push_back(absl::StrCat(record.method.name, " ", record.status.code(), " ",
                                    record.duration.count(), " ", record.peer, " ", record.attempts,
                                    " ", record.traceparent == sent));
      },
      clock);
  CallContext context;
  google::protobuf::Empty response;
  EXPECT_EQ(tracing.Invoke(context, methods::kGetUser, google::protobuf::Empty(), response).code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(std::regex_match(sent, std::regex("00-[0-9a-f]{32}-[0-9a-f]{16}-01"))) << sent;
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "/warden.v1.AdminService/GetUser 5 7000 ipv4:127.0.0.2:5 2 1");
  EXPECT_NE(TracingInvoker::NewTraceparent(), TracingInvoker::NewTraceparent());
}

TEST(TracingInvokerTest, KeepsTheCallersTraceparent) {
  FakeClock clock;
  auto next = std::make_shared<MockUnaryInvoker>();
  const std::string mine = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  EXPECT_CALL(*next, Invoke(_, _, _, _)).WillOnce([&](CallContext& context, auto&&...) {
    EXPECT_EQ(context.Metadata("traceparent"), mine);
    EXPECT_EQ(context.metadata.size(), 1u);
    return absl::OkStatus();
  });
  TracingInvoker tracing(next, nullptr, clock);
  CallContext context;
  context.metadata.emplace_back("traceparent", mine);
  google::protobuf::Empty response;
  EXPECT_TRUE(tracing.Invoke(context, methods::kLogin, google::protobuf::Empty(), response).ok());
}

}  // namespace
}  // namespace warden::client
