#include "client/metrics_invoker.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "auth.pb.h"
#include "client/methods.h"
#include "client/testing/mock_auth_stub.h"
#include "common/testing/fake_clock.h"
#include "google/protobuf/empty.pb.h"
#include "health/v1/health.pb.h"
#include "warden/v1/admin.pb.h"

namespace warden::client {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;

TEST(MethodsTest, EveryMethodNameIsARealMethodOfAGeneratedService) {
  // Link the descriptors of every file in (the pool holds only those a binary references).
  ASSERT_NE(::warden::v1::ListUsersRequest::descriptor(), nullptr);
  ASSERT_NE(::auth::LoginRequest::descriptor(), nullptr);
  ASSERT_NE(::grpc::health::v1::HealthCheckRequest::descriptor(), nullptr);
  for (const Method* method : methods::All()) {
    std::string name = method->name.substr(1);
    name[name.rfind('/')] = '.';
    EXPECT_NE(google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name), nullptr)
        << method->name;
  }
}

TEST(MetricsInvokerTest, CountsEachCallInTheGoGrpcPrometheusClientFamily) {
  FakeClock clock;
  auto registry = std::make_shared<prometheus::Registry>();
  auto next = std::make_shared<MockUnaryInvoker>();
  EXPECT_CALL(*next, Invoke(_, _, _, _))
      .WillOnce([&](auto&&...) {
        clock.Advance(std::chrono::milliseconds(30));
        return absl::OkStatus();
      })
      .WillOnce(Return(absl::UnauthenticatedError("no")));
  MetricsInvoker metrics(next, std::make_shared<ClientMetrics>(*registry), clock);
  google::protobuf::Empty response;
  for (int i = 0; i < 2; ++i) {
    CallContext context;
    (void)metrics.Invoke(context, methods::kValidateToken, google::protobuf::Empty(), response);
  }
  const std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  const std::string labels =
      R"(grpc_method="ValidateToken",grpc_service="auth.AuthService",grpc_type="unary")";
  EXPECT_THAT(text, HasSubstr("grpc_client_started_total{" + labels + "} 2"));
  EXPECT_THAT(text, HasSubstr(R"(grpc_client_handled_total{grpc_code="OK",)" + labels + "} 1"));
  EXPECT_THAT(text, HasSubstr(R"(grpc_client_handled_total{grpc_code="Unauthenticated",)" + labels +
                              "} 1"));
  EXPECT_THAT(text,
              HasSubstr("grpc_client_handling_seconds_bucket{" + labels + R"(,le="0.025"} 1)"))
      << "the 0 s call is under 0.025, the 30 ms one is not";
  EXPECT_THAT(text,
              HasSubstr("grpc_client_handling_seconds_bucket{" + labels + R"(,le="0.05"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(grpc_client_started_total{grpc_method="Login")"))
      << "every method's series exists from the start";
}

}  // namespace
}  // namespace warden::client
