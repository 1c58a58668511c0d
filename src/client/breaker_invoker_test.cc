#include "client/breaker_invoker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/methods.h"
#include "client/testing/mock_auth_stub.h"
#include "common/testing/fake_clock.h"
#include "google/protobuf/empty.pb.h"

namespace warden::client {
namespace {

using ::testing::_;
using ::testing::Return;

TEST(BreakerInvokerTest, ServerFaultsOpenItAndAnOpenBreakerSendsNothing) {
  FakeClock clock;
  auto next = std::make_shared<MockUnaryInvoker>();
  BreakerInvoker breaker(
      "ipv4:127.0.0.9:1", next,
      {.minimum_calls = 2, .failure_ratio = 0.5, .open_for = std::chrono::seconds(1)}, clock);
  google::protobuf::Empty response;
  auto call = [&](CallContext& context) {
    return breaker.Invoke(context, methods::kValidateToken, google::protobuf::Empty(), response);
  };
  // Answers that show a healthy endpoint never open it.
  EXPECT_CALL(*next, Invoke(_, _, _, _))
      .Times(4)
      .WillRepeatedly(Return(absl::UnauthenticatedError("bad token")));
  for (int i = 0; i < 4; ++i) {
    CallContext context;
    EXPECT_EQ(call(context).code(), absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(breaker.state(), resilience::BreakerState::kClosed);

  EXPECT_CALL(*next, Invoke(_, _, _, _))
      .Times(4)
      .WillRepeatedly(Return(absl::DeadlineExceededError("hung")));
  for (int i = 0; i < 4; ++i) {
    CallContext context;
    (void)call(context);
  }
  ASSERT_EQ(breaker.state(), resilience::BreakerState::kOpen);
  CallContext refused;
  absl::Status status = call(refused);  // no EXPECT_CALL left: the mock would fail if called
  EXPECT_EQ(status.message(), "circuit breaker open for ipv4:127.0.0.9:1");
  EXPECT_TRUE(refused.not_sent);
  for (absl::StatusCode code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kInternal, absl::StatusCode::kUnknown}) {
    EXPECT_TRUE(BreakerInvoker::IsEndpointFault(code));
  }
  EXPECT_FALSE(BreakerInvoker::IsEndpointFault(absl::StatusCode::kResourceExhausted));
  EXPECT_FALSE(BreakerInvoker::IsEndpointFault(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace warden::client
