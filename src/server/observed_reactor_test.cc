#include "server/observed_reactor.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <mutex>

#include "absl/strings/str_cat.h"
#include "auth.grpc.pb.h"
#include "observability/grpc_metrics.h"
#include "observability/testing/metric_sample.h"

namespace warden::server {
namespace {

using observability::CallObservers;
using observability::CallRecord;

// What an observer saw of each finished call.
struct Seen {
  std::string method;
  int code;
  std::string principal;
  std::string trace_id;
};

class RecordingFactory final : public observability::CallObserverFactory {
 public:
  class Observer final : public observability::MethodObserver {
   public:
    explicit Observer(RecordingFactory& owner) : owner_(owner) {}
    void Finished(CallRecord& call) override {
      std::lock_guard<std::mutex> lock(owner_.mutex_);
      owner_.seen_.push_back(Seen{std::string(call.method()), call.code,
                                  std::string(call.principal), call.trace_id()});
    }

   private:
    RecordingFactory& owner_;
  };

  std::unique_ptr<observability::MethodObserver> ForMethod(absl::string_view) override {
    return std::make_unique<Observer>(*this);
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

// ValidateToken reports itself (OK with a principal when a bearer is sent, else
// UNAUTHENTICATED); Login is left to grpc++'s default reactor, so the interceptor observes it.
class Service final : public ::auth::AuthService::CallbackService {
 public:
  explicit Service(CallObservers& observers)
      : validate_(observers.Bind("/auth.AuthService/ValidateToken")) {}

  grpc::ServerUnaryReactor* ValidateToken(grpc::CallbackServerContext* context,
                                          const google::protobuf::Empty*,
                                          ::auth::TokenInfo* info) override {
    ObservedUnaryReactor* reactor = StartObserved(validate_, *context);
    if (context->client_metadata().count("authorization") == 0) {
      reactor->Complete(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no"));
      return reactor;
    }
    info->set_user_id("user-1");
    reactor->Complete(grpc::Status::OK, "user-1");
    return reactor;
  }
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context, const ::auth::LoginRequest*,
                                  ::auth::LoginResponse*) override {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const observability::MethodObservers* validate_;
};

using observability::testing::SampleOf;

TEST(ObservedUnaryReactorTest, AHandlerReportsItsOwnCallsOnceAndTheInterceptorTheRest) {
  prometheus::Registry registry;
  SystemClock clock;
  observability::GrpcServerMetrics metrics(registry);
  metrics.RegisterService("auth.AuthService");
  auto recording = std::make_unique<RecordingFactory>();
  RecordingFactory* seen = recording.get();
  std::vector<std::unique_ptr<observability::CallObserverFactory>> factories;
  factories.push_back(std::make_unique<observability::MetricsObserverFactory>(metrics));
  factories.push_back(std::move(recording));
  CallObservers observers(std::move(factories), clock);
  Service service(observers);  // binds ValidateToken before the interceptor is made

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<observability::ObservingInterceptorFactory>(observers));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  auto stub = ::auth::AuthService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  const std::string traced = "4bf92f3577b34da6a3ce929d0e0e4736";
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer x");
    context.AddMetadata("traceparent", absl::StrCat("00-", traced, "-00f067aa0ba902b7-01"));
    ::auth::TokenInfo info;
    ASSERT_TRUE(stub->ValidateToken(&context, {}, &info).ok());
    EXPECT_EQ(info.user_id(), "user-1");
  }
  {
    grpc::ClientContext context;
    ::auth::TokenInfo info;
    EXPECT_EQ(stub->ValidateToken(&context, {}, &info).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    ::auth::LoginResponse response;
    ASSERT_TRUE(stub->Login(&context, {}, &response).ok());
  }
  server->Shutdown();

  const std::map<std::string, std::string> validate = {{"grpc_method", "ValidateToken"}};
  // Once each: had the interceptor observed ValidateToken too, every count would be doubled.
  EXPECT_EQ(SampleOf(registry, "grpc_server_started_total", validate), 2);
  EXPECT_EQ(SampleOf(registry, "grpc_server_msg_received_total", validate), 2);
  EXPECT_EQ(SampleOf(registry, "grpc_server_msg_sent_total", validate), 1) << "only the OK call";
  EXPECT_EQ(SampleOf(registry, "grpc_server_handling_seconds", validate), 2);
  EXPECT_EQ(SampleOf(registry, "grpc_server_handled_total",
                     {{"grpc_method", "ValidateToken"}, {"grpc_code", "OK"}}),
            1);
  EXPECT_EQ(SampleOf(registry, "grpc_server_handled_total",
                     {{"grpc_method", "ValidateToken"}, {"grpc_code", "Unauthenticated"}}),
            1);
  // Login has no reporting handler: the interceptor counts it.
  EXPECT_EQ(SampleOf(registry, "grpc_server_handled_total",
                     {{"grpc_method", "Login"}, {"grpc_code", "OK"}}),
            1);
  EXPECT_EQ(SampleOf(registry, "warden_grpc_inflight_requests", {}), 0);

  const std::vector<Seen> calls = seen->seen();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].method, "/auth.AuthService/ValidateToken");
  EXPECT_EQ(calls[0].code, 0);
  EXPECT_EQ(calls[0].principal, "user-1");
  EXPECT_EQ(calls[0].trace_id, traced) << "the caller's W3C trace";
  EXPECT_EQ(calls[1].code, static_cast<int>(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_EQ(calls[1].principal, "");
  EXPECT_EQ(calls[1].trace_id.size(), 32u) << "a new trace when the caller sent none";
  EXPECT_NE(calls[1].trace_id, traced);
  EXPECT_EQ(calls[2].method, "/auth.AuthService/Login");
}

TEST(ObservedUnaryReactorTest, BindingTwiceGivesTheSameObserversAndTheInterceptorSkipsThem) {
  SystemClock clock;
  std::vector<std::unique_ptr<observability::CallObserverFactory>> factories;
  factories.push_back(std::make_unique<RecordingFactory>());
  CallObservers observers(std::move(factories), clock);
  const auto* first = observers.Bind("/auth.AuthService/ValidateToken");
  EXPECT_EQ(observers.Bind("/auth.AuthService/ValidateToken"), first);
  EXPECT_EQ(observability::BindObservers(nullptr, "/auth.AuthService/ValidateToken"), nullptr);
  EXPECT_TRUE(observers.BoundMethods().contains("/auth.AuthService/ValidateToken"));
  EXPECT_FALSE(observers.BoundMethods().contains("/auth.AuthService/Login"));
  EXPECT_FALSE(observers.ForCall("/auth.AuthService/Login")->empty());
}

}  // namespace
}  // namespace warden::server
