#include "server/grpc_transport.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "guard/guard_chain.h"
#include "server/health_service.h"

namespace warden::server {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

TEST(GrpcTransportTest, TheLimitsReachTheListener) {
  std::unique_ptr<guard::GuardChain> guards = guard::GuardChain::AllowAll();
  HealthService health(*guards);
  health.SetServing("", true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", ServerCredentialsFor(TlsOptions{}), &port);
  builder.RegisterService(&health);
  ApplyLimits(TransportLimits{.max_message_bytes = 64, .max_metadata_bytes = 1024}, builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  auto stub = Health::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  HealthCheckResponse response;
  {
    grpc::ClientContext context;
    EXPECT_TRUE(stub->Check(&context, HealthCheckRequest(), &response).ok());
  }
  {
    grpc::ClientContext context;
    HealthCheckRequest big;
    big.set_service(std::string(100, 'x'));  // over the 64-byte message limit
    EXPECT_EQ(stub->Check(&context, big, &response).error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("x-big", std::string(4096, 'y'));  // over the 1 KiB metadata limit
    EXPECT_NE(stub->Check(&context, HealthCheckRequest(), &response).error_code(),
              grpc::StatusCode::OK);
  }
  server->Shutdown();
  health.Shutdown();
}

TEST(GrpcTransportTest, WithoutReflectionRemovesOnlyTheReflectionPlugin) {
  class Named final : public grpc::ServerBuilderPlugin {
   public:
    explicit Named(std::string name) : name_(std::move(name)) {}
    std::string name() override { return name_; }
    void InitServer(grpc::ServerInitializer*) override {}
    void Finish(grpc::ServerInitializer*) override {}
    void ChangeArguments(const std::string&, void*) override {}
    bool has_async_methods() const override { return false; }
    bool has_sync_methods() const override { return false; }

   private:
    std::string name_;
  };
  std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>> plugins;
  plugins.push_back(std::make_unique<Named>("proto_server_reflection"));
  plugins.push_back(std::make_unique<Named>("other"));
  WithoutReflection().UpdatePlugins(&plugins);
  ASSERT_EQ(plugins.size(), 1u);
  EXPECT_EQ(plugins[0]->name(), "other");
}

}  // namespace
}  // namespace warden::server
