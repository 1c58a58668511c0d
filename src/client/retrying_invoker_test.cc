#include "client/retrying_invoker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/methods.h"
#include "client/testing/mock_auth_stub.h"
#include "common/testing/fake_clock.h"
#include "google/protobuf/empty.pb.h"

namespace warden::client {
namespace {

using std::chrono::milliseconds;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Invoke;

class RetryingInvokerTest : public ::testing::Test {
 protected:
  std::shared_ptr<RetryingInvoker> Make(RetryingInvoker::Options options = {}) {
    return std::make_shared<RetryingInvoker>(
        next_, options, clock_,
        [this](milliseconds pause) {
          pauses_.push_back(pause);
          clock_.Advance(pause);
        },
        [] { return 0.5; });
  }
  // Each call answers the next status; a pushback is set on the context where given.
  void Answers(std::vector<std::pair<absl::Status, std::optional<milliseconds>>> answers) {
    answers_ = std::move(answers);
    EXPECT_CALL(*next_, Invoke(_, _, _, _))
        .WillRepeatedly(
            Invoke([this](CallContext& context, const Method&, const google::protobuf::Message&,
                          google::protobuf::Message&) {
              auto [status, pushback] = answers_.at(static_cast<size_t>(calls_++));
              context.pushback = pushback;
              clock_.Advance(milliseconds(10));
              return status;
            }));
  }
  absl::Status Call(UnaryInvoker& invoker, const Method& method, CallContext& context) {
    google::protobuf::Empty response;
    return invoker.Invoke(context, method, google::protobuf::Empty(), response);
  }

  FakeClock clock_;
  std::shared_ptr<MockUnaryInvoker> next_ = std::make_shared<MockUnaryInvoker>();
  std::vector<milliseconds> pauses_;
  std::vector<std::pair<absl::Status, std::optional<milliseconds>>> answers_;
  int calls_ = 0;
};

TEST_F(RetryingInvokerTest, RetriesUnavailableIdempotentCallsWithGrowingBackoff) {
  Answers({{absl::UnavailableError("a"), {}},
           {absl::UnavailableError("b"), {}},
           {absl::OkStatus(), {}}});
  auto retrying = Make({.backoff = {.max_attempts = 3,
                                    .initial_backoff = milliseconds(100),
                                    .max_backoff = milliseconds(1000),
                                    .multiplier = 2}});
  CallContext context;
  EXPECT_TRUE(Call(*retrying, methods::kValidateToken, context).ok());
  EXPECT_EQ(context.attempts, 3);
  EXPECT_THAT(pauses_, ElementsAre(milliseconds(50), milliseconds(100))) << "draw 0.5 of 100, 200";
}

TEST_F(RetryingInvokerTest, DoesNotRetryAMethodThatIsNotIdempotent) {
  Answers({{absl::UnavailableError("lost"), {}}});
  auto retrying = Make();
  CallContext context;
  EXPECT_EQ(Call(*retrying, methods::kLogin, context).message(), "lost");
  EXPECT_EQ(calls_, 1);
}

TEST_F(RetryingInvokerTest, RetriesAnyMethodThatWasNotSent) {
  EXPECT_CALL(*next_, Invoke(_, _, _, _))
      .WillOnce([](CallContext& context, auto&&...) {
        context.not_sent = true;
        return absl::UnavailableError("every breaker open");
      })
      .WillOnce(::testing::Return(absl::OkStatus()));
  auto retrying = Make();
  CallContext context;
  EXPECT_TRUE(Call(*retrying, methods::kLogin, context).ok());
}

TEST_F(RetryingInvokerTest, HonoursThePushbackExactlyAndStopsOnANegativeOne) {
  Answers({{absl::ResourceExhaustedError("busy"), milliseconds(300)},
           {absl::UnavailableError("x"), milliseconds(-1)}});
  auto retrying = Make();
  CallContext context;
  EXPECT_EQ(Call(*retrying, methods::kLogin, context).message(), "x")
      << "RESOURCE_EXHAUSTED with pushback is retried even for Login; a negative pushback stops";
  EXPECT_THAT(pauses_, ElementsAre(milliseconds(300)));
}

TEST_F(RetryingInvokerTest, NeverRetriesResourceExhaustedWithoutPushbackOrOtherCodes) {
  Answers({{absl::ResourceExhaustedError("quota"), {}}, {absl::UnauthenticatedError("no"), {}}});
  auto retrying = Make();
  CallContext first;
  EXPECT_EQ(Call(*retrying, methods::kValidateToken, first).code(),
            absl::StatusCode::kResourceExhausted);
  CallContext second;
  EXPECT_EQ(Call(*retrying, methods::kValidateToken, second).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(calls_, 2);
}

TEST_F(RetryingInvokerTest, APushbackPastTheDeadlineEndsTheCall) {
  Answers({{absl::ResourceExhaustedError("later"), std::chrono::seconds(900)}});
  auto retrying = Make();
  CallContext context;
  context.deadline = clock_.WallNow() + std::chrono::seconds(10);
  EXPECT_EQ(Call(*retrying, methods::kLogin, context).message(), "later");
  EXPECT_TRUE(pauses_.empty());
}

TEST_F(RetryingInvokerTest, ThrottlingStopsRetriesWhenMostCallsFail) {
  std::vector<std::pair<absl::Status, std::optional<milliseconds>>> down(
      100, {absl::UnavailableError("down"), std::nullopt});
  Answers(down);
  auto retrying = Make({.throttle_max_tokens = 10, .throttle_token_ratio = 0.1});
  for (int i = 0; i < 10; ++i) {
    CallContext context;
    (void)Call(*retrying, methods::kValidateToken, context);
  }
  // Tokens: 10 -> each failed attempt takes one; retries stop once 5 or fewer are left.
  EXPECT_LE(calls_, 15) << "10 calls, a handful of retries, not 30 attempts";
  EXPECT_GE(calls_, 10);
}

}  // namespace
}  // namespace warden::client
