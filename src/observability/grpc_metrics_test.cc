#include "observability/grpc_metrics.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "absl/strings/str_cat.h"
#include "auth.grpc.pb.h"
#include "observability/testing/metric_sample.h"

namespace warden::observability {
namespace {

// Login succeeds, ValidateToken fails with UNAUTHENTICATED, the rest are unimplemented.
class StubAuth final : public ::auth::AuthService::CallbackService {
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context, const ::auth::LoginRequest*,
                                  ::auth::LoginResponse*) override {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* ValidateToken(grpc::CallbackServerContext* context,
                                          const google::protobuf::Empty*,
                                          ::auth::TokenInfo*) override {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no"));
    return reactor;
  }
};

using ::warden::observability::testing::SampleOf;

TEST(GrpcServerMetricsTest, CountsByMethodAndCodeWithGoGrpcPrometheusNames) {
  prometheus::Registry registry;
  SystemClock clock;
  GrpcServerMetrics metrics(registry);
  metrics.RegisterService("auth.AuthService");
  StubAuth service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  std::vector<std::unique_ptr<CallObserverFactory>> observer_factories;
  observer_factories.push_back(std::make_unique<MetricsObserverFactory>(metrics));
  CallObservers observers(std::move(observer_factories), clock);
  factories.push_back(std::make_unique<ObservingInterceptorFactory>(observers));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);

  // Pre-initialised at zero before any call.
  const std::map<std::string, std::string> validate = {{"grpc_service", "auth.AuthService"},
                                                       {"grpc_method", "ValidateToken"},
                                                       {"grpc_type", "unary"}};
  std::map<std::string, std::string> unauthenticated = validate;
  unauthenticated["grpc_code"] = "Unauthenticated";
  EXPECT_EQ(SampleOf(registry, "grpc_server_handled_total", unauthenticated), 0);

  auto stub = ::auth::AuthService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    ::auth::TokenInfo info;
    EXPECT_EQ(stub->ValidateToken(&context, {}, &info).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::ClientContext context;
  ::auth::LoginResponse response;
  ASSERT_TRUE(stub->Login(&context, {}, &response).ok());
  server->Shutdown();

  EXPECT_EQ(SampleOf(registry, "grpc_server_started_total", validate), 3);
  EXPECT_EQ(SampleOf(registry, "grpc_server_handled_total", unauthenticated), 3);
  std::map<std::string, std::string> ok = validate;
  ok["grpc_code"] = "OK";
  EXPECT_EQ(SampleOf(registry, "grpc_server_handled_total", ok), 0) << "errors are not successes";
  EXPECT_EQ(SampleOf(registry, "grpc_server_handling_seconds", validate), 3);
  EXPECT_EQ(SampleOf(registry, "grpc_server_msg_received_total", validate), 3);
  EXPECT_EQ(SampleOf(registry, "grpc_server_msg_sent_total", validate), 0);
  EXPECT_EQ(SampleOf(registry, "grpc_server_handled_total",
                     {{"grpc_method", "Login"}, {"grpc_code", "OK"}}),
            1);
  EXPECT_EQ(SampleOf(registry, "grpc_server_msg_sent_total", {{"grpc_method", "Login"}}), 1);
  EXPECT_EQ(SampleOf(registry, "warden_grpc_inflight_requests", {}), 0);

  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(text.find("grpc_server_handled_total{grpc_code=\"Unauthenticated\",grpc_method="
                      "\"ValidateToken\",grpc_service=\"auth.AuthService\",grpc_type=\"unary\"} 3"),
            std::string::npos)
      << text.substr(0, 2000);
}

TEST(GrpcCodeNameTest, UsesGoGrpcPrometheusNames) {
  EXPECT_EQ(GrpcCodeName(0), "OK");
  EXPECT_EQ(GrpcCodeName(1), "Canceled");
  EXPECT_EQ(GrpcCodeName(8), "ResourceExhausted");
  EXPECT_EQ(GrpcCodeName(16), "Unauthenticated");
}

}  // namespace
}  // namespace warden::observability
