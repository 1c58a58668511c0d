#include "server/connection_gate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <vector>

namespace warden::server {
namespace {

constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Answers every method with the caller's peer string as the handler sees it, a space, and the
// address the connection table resolves it to.
class PeerEchoService final : public grpc::CallbackGenericService {
 public:
  explicit PeerEchoService(const ConnectionTable& table) : table_(table) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    class Reactor final : public grpc::ServerGenericBidiReactor {
     public:
      Reactor(grpc::GenericCallbackServerContext* context, const ConnectionTable& table) {
        grpc::Slice slice(context->peer() + " " + table.Resolve(context->peer()));
        reply_ = grpc::ByteBuffer(&slice, 1);
        StartRead(&request_);
      }
      void OnReadDone(bool /*ok*/) override { StartWriteAndFinish(&reply_, {}, grpc::Status::OK); }
      void OnDone() override { delete this; }

     private:
      grpc::ByteBuffer request_;
      grpc::ByteBuffer reply_;
    };
    return new Reactor(context, table_);
  }

 private:
  const ConnectionTable& table_;
};

class ConnectionGateTest : public ::testing::Test {
 protected:
  void StartGate(ConnectionGate::Options options) {
    grpc::ServerBuilder builder;
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    absl::StatusOr<std::unique_ptr<ConnectionGate>> gate =
        ConnectionGate::Listen("127.0.0.1:0", std::move(options), table_);
    ASSERT_TRUE(gate.ok()) << gate.status();
    gate_ = *std::move(gate);
    gate_->Start(*server_);
  }
  void TearDown() override {
    if (gate_ != nullptr) {
      gate_->Stop();
    }
    if (server_ != nullptr) {
      server_->Shutdown();
    }
  }

  // Calls through a new connection; returns the peer the server saw, or "" on failure.
  std::string CallPeer() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", gate_->port()),
                                             grpc::InsecureChannelCredentials(), args);
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice("x");
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer reply;
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    grpc::Status status;
    stub.UnaryCall(&context, "/test.Echo/Peer", grpc::StubOptions(), &request, &reply,
                   [&](grpc::Status s) {
                     std::lock_guard lock(mutex);
                     status = std::move(s);
                     done = true;
                     cv.notify_one();
                   });
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return done; });
    if (!status.ok()) {
      return "";
    }
    std::vector<grpc::Slice> slices;
    reply.Dump(&slices);
    std::string text;
    for (const grpc::Slice& s : slices) {
      text.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    return text;
  }

  // A raw TCP connection to the gate (blocking, 10 s receive timeout).
  int RawConnect() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(gate_->port()));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{.tv_sec = 10, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
    return fd;
  }

  // Reads until EOF or error; true if the server closed the connection (EOF or reset).
  static bool ClosedByServer(int fd) {
    char buffer[4096];
    while (true) {
      const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n == 0) {
        return true;
      }
      if (n < 0) {
        return errno == ECONNRESET;
      }
    }
  }

  ConnectionTable table_;
  PeerEchoService service_{table_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<ConnectionGate> gate_;
};

TEST_F(ConnectionGateTest, HandsConnectionsToGrpcAndResolvesTheirAddress) {
  StartGate({});
  const std::string seen = CallPeer();
  ASSERT_FALSE(seen.empty());
  // grpc++ 1.51 names a connection added by descriptor "fd:N"; the table knows the address.
  EXPECT_EQ(seen.rfind("fd:", 0), 0u) << seen;
  EXPECT_NE(seen.find(" ipv4:127.0.0.1:"), std::string::npos) << seen;
  EXPECT_EQ(gate_->stats().accepted, 1u);
  EXPECT_TRUE(gate_->stats().accepting);
}

TEST_F(ConnectionGateTest, ClosesAConnectionThatSendsNoPrefaceInTime) {
  StartGate({.preface_timeout = std::chrono::milliseconds(100)});
  const int fd = RawConnect();
  EXPECT_TRUE(ClosedByServer(fd));
  close(fd);
  EXPECT_EQ(gate_->stats().preface_timeout, 1u);
  EXPECT_EQ(gate_->stats().pending, 0);
  EXPECT_FALSE(CallPeer().empty());
}

TEST_F(ConnectionGateTest, ClosesAConnectionThatIsNotHttp2) {
  StartGate({});
  const int fd = RawConnect();
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  EXPECT_TRUE(ClosedByServer(fd));
  close(fd);
  EXPECT_EQ(gate_->stats().bad_preface, 1u);
  EXPECT_EQ(gate_->stats().accepted, 0u);
}

TEST_F(ConnectionGateTest, PerAddressCapClosesTheQuietestConnectionForANewcomer) {
  StartGate({.max_per_address = 2});
  std::vector<int> idle;
  for (int i = 0; i < 2; ++i) {
    const int fd = RawConnect();
    ASSERT_EQ(send(fd, kPreface, sizeof(kPreface) - 1, 0), 24);
    idle.push_back(fd);
  }
  // The third connection from the same address gets in; one idle one is closed for it.
  EXPECT_FALSE(CallPeer().empty());
  EXPECT_GE(gate_->stats().evicted_address_cap, 1u);
  // Whichever idle connection was chosen sees its end (gRPC closes it after the shutdown).
  bool some_closed = false;
  for (int fd : idle) {
    timeval short_wait{.tv_sec = 0, .tv_usec = 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof(short_wait));
    char buffer[4096];
    ssize_t n;
    while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) {
    }
    some_closed = some_closed || n == 0 || (n < 0 && errno == ECONNRESET);
    close(fd);
  }
  EXPECT_TRUE(some_closed);
}

TEST_F(ConnectionGateTest, TotalCapMakesRoomFromTheAddressHoldingTheMost) {
  StartGate({.max_connections = 3, .max_per_address = 0});
  std::vector<int> idle;
  for (int i = 0; i < 3; ++i) {
    const int fd = RawConnect();
    ASSERT_EQ(send(fd, kPreface, sizeof(kPreface) - 1, 0), 24);
    idle.push_back(fd);
  }
  EXPECT_FALSE(CallPeer().empty());
  EXPECT_GE(gate_->stats().evicted_total_cap, 1u);
  EXPECT_LE(gate_->stats().open + gate_->stats().pending, 3);
  for (int fd : idle) {
    close(fd);
  }
}

TEST_F(ConnectionGateTest, KeepsAcceptingAfterRunningOutOfDescriptors) {
  StartGate({});
  ASSERT_FALSE(CallPeer().empty());
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  // Fill the table to the last descriptor, so the client's socket takes it and the gate's
  // accept4 fails with EMFILE.
  std::vector<int> filler;
  while (true) {
    const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      break;
    }
    filler.push_back(fd);
    if (filler.size() > 100000) {
      break;
    }
  }
  ASSERT_FALSE(filler.empty());
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(filler.back() + 1);  // no descriptor above the last one
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  close(filler.back());
  filler.pop_back();
  const int fd = RawConnect();  // takes the last free descriptor
  ASSERT_EQ(send(fd, kPreface, sizeof(kPreface) - 1, 0), 24);
  EXPECT_TRUE(ClosedByServer(fd));  // the gate accepted it with its reserve and closed it
  close(fd);
  for (int f : filler) {
    close(f);
  }
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_GE(gate_->stats().fd_exhausted, 1u);
  EXPECT_FALSE(CallPeer().empty());  // and accepts again once descriptors are back
}

}  // namespace
}  // namespace warden::server
