#include "client/client_stack.h"

#include <random>
#include <thread>

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "client/grpc_invoker.h"
#include "client/invoker_auth_stub.h"
#include "client/metrics_invoker.h"
#include "client/token_credentials.h"

namespace warden::client {
namespace {

double UnitRandom() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

}  // namespace

absl::StatusOr<ClientStack> MakeClientStack(const ClientOptions& options) {
  const Clock& clock = options.clock != nullptr ? *options.clock : DefaultClock();
  absl::StatusOr<Target> target = ParseTarget(options.target);
  if (!target.ok()) {
    return target.status();
  }
  // The name the certificate and :authority carry; an IP-literal target has none.
  const std::string authority =
      target->kind == Target::Kind::kDns ? absl::StrCat(target->host, ":", target->port) : "";
  // The PEM files are read once, here: an unreadable one fails now, not on every lane's call.
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeCredentials(options.channel);
  if (!credentials.ok()) {
    return credentials.status();
  }

  ClientStack stack;
  const bool balance = options.balance && target->kind != Target::Kind::kSingle;
  if (balance) {
    auto lanes = [credentials = *credentials,
                  arguments = StackChannelArguments(options.channel, authority)](
                     const std::string& endpoint) {
      return std::make_shared<GrpcInvoker>(
          grpc::CreateCustomChannel(endpoint, credentials, arguments));
    };
    stack.balancer = std::make_shared<BalancingInvoker>(options.target, MakeResolver(*target),
                                                        lanes, options.balancing, clock);
    stack.invoker = stack.balancer;
  } else {
    stack.invoker = std::make_shared<GrpcInvoker>(grpc::CreateCustomChannel(
        options.target, *credentials, StackChannelArguments(options.channel, "")));
  }
  if (options.retry) {
    stack.invoker = std::make_shared<RetryingInvoker>(
        stack.invoker, options.retry_options, clock,
        [](std::chrono::milliseconds pause) { std::this_thread::sleep_for(pause); }, UnitRandom);
  }
  if (options.credentials != nullptr) {
    stack.invoker = std::make_shared<AuthenticatingInvoker>(stack.invoker, options.credentials);
  }
  if (options.metrics != nullptr) {
    stack.invoker = std::make_shared<MetricsInvoker>(
        stack.invoker, std::make_shared<ClientMetrics>(*options.metrics), clock);
  }
  stack.invoker = std::make_shared<TracingInvoker>(stack.invoker, options.observer, clock);
  stack.auth = std::make_shared<AuthClient>(std::make_shared<InvokerAuthStub>(stack.invoker),
                                            AuthClient::Options{});
  return stack;
}

}  // namespace warden::client
