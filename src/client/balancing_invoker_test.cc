#include "client/balancing_invoker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "client/methods.h"
#include "common/testing/fake_clock.h"
#include "google/protobuf/empty.pb.h"

namespace warden::client {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A resolver whose answer the test sets.
class ListResolver final : public EndpointResolver {
 public:
  explicit ListResolver(std::vector<std::string>* endpoints) : endpoints_(endpoints) {}
  absl::StatusOr<std::vector<std::string>> Resolve() override {
    if (endpoints_->empty()) {
      return absl::UnavailableError("NXDOMAIN");
    }
    return *endpoints_;
  }

 private:
  std::vector<std::string>* endpoints_;
};

// An endpoint whose answer the test sets; counts its calls.
class FakeEndpoint final : public UnaryInvoker {
 public:
  absl::Status Invoke(CallContext& context, const Method&, const google::protobuf::Message&,
                      google::protobuf::Message&) override {
    ++calls;
    context.peer = name;
    return answer;
  }
  std::string name;
  absl::Status answer;
  int calls = 0;
};

class BalancingInvokerTest : public ::testing::Test {
 protected:
  std::unique_ptr<BalancingInvoker> Make() {
    return std::make_unique<BalancingInvoker>(
        "dns:///warden.test:50051", std::make_unique<ListResolver>(&dns_),
        [this](const std::string& endpoint) {
          auto& lane = endpoints_[endpoint];
          lane = std::make_shared<FakeEndpoint>();
          lane->name = endpoint;
          return lane;
        },
        BalancingInvoker::Options{.resolve_interval = milliseconds(0),
                                  .breaker = {.window = seconds(10),
                                              .minimum_calls = 3,
                                              .failure_ratio = 0.5,
                                              .open_for = seconds(2)}},
        clock_);
  }
  absl::Status Call(BalancingInvoker& balancer, CallContext* out = nullptr) {
    CallContext context;
    google::protobuf::Empty response;
    absl::Status status =
        balancer.Invoke(context, methods::kValidateToken, google::protobuf::Empty(), response);
    if (out != nullptr) {
      *out = context;
    }
    return status;
  }
  std::map<std::string, int> Spread(BalancingInvoker& balancer, int n) {
    std::map<std::string, int> peers;
    for (int i = 0; i < n; ++i) {
      CallContext context;
      (void)Call(balancer, &context);
      ++peers[context.peer];
    }
    return peers;
  }

  FakeClock clock_;
  std::vector<std::string> dns_ = {"ipv4:127.0.0.1:50051", "ipv4:127.0.0.2:50051",
                                   "ipv4:127.0.0.3:50051"};
  std::map<std::string, std::shared_ptr<FakeEndpoint>> endpoints_;
};

TEST_F(BalancingInvokerTest, SpreadsCallsRoundRobinOverEveryEndpoint) {
  auto balancer = Make();
  EXPECT_EQ(Spread(*balancer, 9), (std::map<std::string, int>{{"ipv4:127.0.0.1:50051", 3},
                                                              {"ipv4:127.0.0.2:50051", 3},
                                                              {"ipv4:127.0.0.3:50051", 3}}));
}

TEST_F(BalancingInvokerTest, AFailingEndpointsBreakerOpensAndItsCallsGoElsewhereUntilItRecovers) {
  auto balancer = Make();
  auto& sick = *endpoints_["ipv4:127.0.0.2:50051"];
  sick.answer = absl::DeadlineExceededError("hung");
  (void)Spread(*balancer, 9);  // three calls reach the sick one: 3 of 3 failed
  ASSERT_EQ(balancer->Endpoints()[1].state, resilience::BreakerState::kOpen);
  const int before = sick.calls;
  std::map<std::string, int> peers = Spread(*balancer, 30);
  EXPECT_EQ(sick.calls, before) << "an open breaker sends nothing";
  EXPECT_EQ(peers["ipv4:127.0.0.1:50051"] + peers["ipv4:127.0.0.3:50051"], 30)
      << "every call succeeded elsewhere, none failed";

  sick.answer = absl::OkStatus();
  clock_.Advance(seconds(2));
  (void)Spread(*balancer, 3);  // one of these is the probe
  EXPECT_EQ(balancer->Endpoints()[1].state, resilience::BreakerState::kClosed);
  EXPECT_EQ(Spread(*balancer, 9)["ipv4:127.0.0.2:50051"], 3) << "back in the rotation";
}

TEST_F(BalancingInvokerTest, EveryBreakerOpenFailsFastAsNotSent) {
  auto balancer = Make();
  for (auto& [name, endpoint] : endpoints_) {
    endpoint->answer = absl::UnavailableError("down");
  }
  (void)Spread(*balancer, 9);
  CallContext context;
  absl::Status status = Call(*balancer, &context);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("circuit breaker open"));
  EXPECT_TRUE(context.not_sent);
}

TEST_F(BalancingInvokerTest, RefreshAddsNewEndpointsAndKeepsTheBreakersOfOldOnes) {
  auto balancer = Make();
  endpoints_["ipv4:127.0.0.1:50051"]->answer = absl::UnavailableError("down");
  (void)Spread(*balancer, 9);
  auto first = endpoints_["ipv4:127.0.0.1:50051"];
  dns_.push_back("ipv4:127.0.0.4:50051");
  ASSERT_TRUE(balancer->Refresh().ok());
  EXPECT_EQ(endpoints_["ipv4:127.0.0.1:50051"], first) << "the lane was kept, not rebuilt";
  std::vector<BalancingInvoker::EndpointStatus> status = balancer->Endpoints();
  ASSERT_EQ(status.size(), 4u);
  EXPECT_EQ(status[0].state, resilience::BreakerState::kOpen);
  EXPECT_GT(Spread(*balancer, 9)["ipv4:127.0.0.4:50051"], 0);

  dns_ = {"ipv4:127.0.0.3:50051"};
  ASSERT_TRUE(balancer->Refresh().ok());
  EXPECT_EQ(Spread(*balancer, 4), (std::map<std::string, int>{{"ipv4:127.0.0.3:50051", 4}}));
}

TEST_F(BalancingInvokerTest, AFailedResolutionKeepsTheOldEndpointsAndNoneAtAllIsAClearError) {
  auto balancer = Make();
  dns_.clear();
  EXPECT_FALSE(balancer->Refresh().ok());
  EXPECT_TRUE(Call(*balancer).ok()) << "the last good answer still serves";

  auto empty = std::make_unique<BalancingInvoker>(
      "dns:///nowhere.test:1", std::make_unique<ListResolver>(&dns_),
      [](const std::string&) { return std::make_shared<FakeEndpoint>(); },
      BalancingInvoker::Options{.resolve_interval = milliseconds(0)}, clock_);
  absl::Status status = Call(*empty);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "no endpoint for dns:///nowhere.test:1: NXDOMAIN");
}

}  // namespace
}  // namespace warden::client
