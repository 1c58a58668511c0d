#include "server/queued_write_reactor.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>

#include "absl/strings/str_cat.h"
#include "warden/v1/keys.grpc.pb.h"

namespace warden::server {
namespace {

using ::warden::v1::RevocationService;
using ::warden::v1::WatchRevocationsRequest;
using ::warden::v1::WatchRevocationsResponse;

// Appends a session id per Push; records when it is forgotten.
class AppendingStream final : public QueuedWriteReactor<WatchRevocationsResponse> {
 public:
  AppendingStream(bool held, std::function<void()> forgotten)
      : QueuedWriteReactor(held), forgotten_(std::move(forgotten)) {}
  void Push(const std::string& id) {
    Queue([&id](WatchRevocationsResponse& pending, const WatchRevocationsResponse*) {
      pending.add_revocations()->set_session_id(id);
      return true;
    });
  }
  // Queues nothing new: an update that finds nothing to send.
  void Nothing() {
    Queue([](WatchRevocationsResponse&, const WatchRevocationsResponse*) { return false; });
  }

 private:
  void Forget() override { forgotten_(); }
  std::function<void()> forgotten_;
};

// Runs `script` on each new stream.
class ScriptedService final : public RevocationService::CallbackService {
 public:
  std::function<void(AppendingStream&)> script;
  bool held = false;

  grpc::ServerWriteReactor<WatchRevocationsResponse>* WatchRevocations(
      grpc::CallbackServerContext* /*context*/,
      const WatchRevocationsRequest* /*request*/) override {
    auto* stream = new AppendingStream(held, [this] {
      std::lock_guard lock(mutex_);
      ++forgotten_;
      forgotten_cv_.notify_all();
    });
    script(*stream);
    return stream;
  }
  bool WaitForgotten(int count) {
    std::unique_lock lock(mutex_);
    return forgotten_cv_.wait_for(lock, std::chrono::seconds(10),
                                  [&] { return forgotten_ >= count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable forgotten_cv_;
  int forgotten_ = 0;
};

class QueuedWriteReactorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = RevocationService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  // Every message of one call, and its status.
  std::pair<std::vector<WatchRevocationsResponse>, grpc::Status> ReadAll() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto reader = stub_->WatchRevocations(&context, WatchRevocationsRequest());
    std::vector<WatchRevocationsResponse> messages;
    WatchRevocationsResponse message;
    while (reader->Read(&message)) {
      messages.push_back(message);
    }
    return {messages, reader->Finish()};
  }
  static std::vector<std::string> Ids(const WatchRevocationsResponse& message) {
    std::vector<std::string> ids;
    for (const auto& revocation : message.revocations()) {
      ids.push_back(revocation.session_id());
    }
    return ids;
  }

  ScriptedService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<RevocationService::Stub> stub_;
};

TEST_F(QueuedWriteReactorTest, AHeldStreamFoldsWhatArrivesIntoOneMessage) {
  service_.held = true;
  service_.script = [](AppendingStream& stream) {
    stream.Push("a");
    stream.Push("b");
    stream.Push("c");
    stream.Release();
    stream.End();
  };
  auto [messages, status] = ReadAll();
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_THAT(Ids(messages[0]), ::testing::ElementsAre("a", "b", "c"));
  EXPECT_TRUE(service_.WaitForgotten(1));
}

TEST_F(QueuedWriteReactorTest, EndWaitsForThePendingMessage) {
  service_.script = [](AppendingStream& stream) {
    stream.Push("only");
    stream.End();
  };
  auto [messages, status] = ReadAll();
  EXPECT_TRUE(status.ok());
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_THAT(Ids(messages[0]), ::testing::ElementsAre("only"));
}

TEST_F(QueuedWriteReactorTest, AnUpdateWithNothingToSendSendsNothing) {
  service_.script = [](AppendingStream& stream) {
    stream.Nothing();
    stream.End();
  };
  auto [messages, status] = ReadAll();
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(messages.empty());
}

TEST_F(QueuedWriteReactorTest, AClientThatGoesAwayFinishesTheStreamAndItIsForgotten) {
  service_.script = [](AppendingStream& stream) { stream.Push("first"); };  // never ends
  {
    grpc::ClientContext context;
    auto reader = stub_->WatchRevocations(&context, WatchRevocationsRequest());
    WatchRevocationsResponse message;
    ASSERT_TRUE(reader->Read(&message));
    context.TryCancel();
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  EXPECT_TRUE(service_.WaitForgotten(1));
}

}  // namespace
}  // namespace warden::server
