#include "server/grpc_listener.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "guard/guard_chain.h"
#include "server/health_service.h"

namespace warden::server {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

class GrpcListenerTest : public ::testing::Test {
 protected:
  GrpcListenerTest() { health_.SetServing("", true); }
  ~GrpcListenerTest() override { health_.Shutdown(); }
  static grpc::Status Check(const std::string& target) {
    auto stub = Health::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckResponse response;
    return stub->Check(&context, HealthCheckRequest(), &response);
  }

  std::unique_ptr<guard::GuardChain> guards_ = guard::GuardChain::AllowAll();
  HealthService health_{*guards_};
  ConnectionTable connections_;
};

TEST_F(GrpcListenerTest, APlaintextTcpListenerAcceptsThroughItsGateAndReportsIt) {
  bool made = false;
  absl::StatusOr<std::unique_ptr<GrpcListener>> listener =
      GrpcListener::Start({.name = "grpc", .address = "127.0.0.1:0", .max_connections = 8},
                          {&health_}, connections_, [&] {
                            made = true;
                            return GrpcListener::Interceptors{};
                          });
  ASSERT_THAT(listener, IsOk());
  EXPECT_TRUE(made);
  const std::string target = absl::StrCat("127.0.0.1:", (*listener)->port());
  EXPECT_TRUE(Check(target).ok());
  EXPECT_THAT((*listener)->Probe(), IsOk());
  prometheus::Registry registry;
  EdgeMetrics metrics(registry);
  (*listener)->Report(metrics);
  EXPECT_THAT(prometheus::TextSerializer().Serialize(registry.Collect()),
              HasSubstr("listener=\"grpc\""));
  (*listener)->StopAccepting();
  EXPECT_FALSE(Check(target).ok());  // a new connection finds nobody accepting
  (*listener)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

TEST_F(GrpcListenerTest, AUnixSocketIsGrpcsOwnAndAnAddressInUseIsAClearError) {
  const std::string path = absl::StrCat("/tmp/warden-listener-", getpid(), ".sock");
  absl::StatusOr<std::unique_ptr<GrpcListener>> listener =
      GrpcListener::Start({.name = "grpc", .address = "unix:" + path}, {&health_}, connections_);
  ASSERT_THAT(listener, IsOk());
  EXPECT_TRUE(Check("unix:" + path).ok());
  EXPECT_THAT((*listener)->Probe(), IsOk());

  // A port somebody else holds.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  HealthService other(*guards_);
  EXPECT_THAT(GrpcListener::Start(
                  {.name = "b", .address = absl::StrCat("127.0.0.1:", ntohs(address.sin_port))},
                  {&other}, connections_),
              StatusIs(absl::StatusCode::kUnavailable));
  other.Shutdown();
  close(fd);
  (*listener)->Shutdown(std::chrono::system_clock::now());
  unlink(path.c_str());
}

}  // namespace
}  // namespace warden::server
