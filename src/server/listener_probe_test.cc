#include "server/listener_probe.h"

#include <arpa/inet.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "server/health_service.h"

namespace warden::server {
namespace {

TEST(ListenerProbeTest, AListenerThatAnswersIsUp) {
  std::unique_ptr<guard::GuardChain> guards = guard::GuardChain::AllowAll();
  HealthService health(*guards);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&health);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ListenerProbe probe({.target = absl::StrCat("127.0.0.1:", port),
                       .credentials = grpc::InsecureChannelCredentials(),
                       .failures_to_down = 1});
  EXPECT_TRUE(probe.ProbeOnce());
  server->Shutdown();
}

// A socket that listens but is never accepted from: the kernel completes the TCP handshake and
// nobody answers, which is what grpc++ 1.51's listener looks like after its accept loop died.
TEST(ListenerProbeTest, AListenerThatNeverAcceptsIsDownAfterTheSetNumberOfSilentProbes) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  socklen_t size = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ListenerProbe probe({.target = absl::StrCat("127.0.0.1:", ntohs(address.sin_port)),
                       .credentials = grpc::InsecureChannelCredentials(),
                       .deadline = std::chrono::milliseconds(200),
                       .failures_to_down = 2});
  EXPECT_TRUE(probe.ProbeOnce());  // one silent probe is not enough
  EXPECT_FALSE(probe.ProbeOnce());
  EXPECT_FALSE(probe.up());
  close(fd);
}

}  // namespace
}  // namespace warden::server
