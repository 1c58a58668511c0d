#include "client/client_stack.h"

#include <random>
#include <thread>

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
  // Fail now on unreadable TLS files rather than on the first call of every lane.
  if (absl::StatusOr<std::shared_ptr<grpc::Channel>> probe =
          MakeChannel("ipv4:127.0.0.1:1", options.channel);
      !probe.ok()) {
    return probe.status();
  }

  ClientStack stack;
  const bool balance = options.balance && target->kind != Target::Kind::kSingle;
  if (balance) {
    ChannelOptions channel = options.channel;
    auto lanes = [channel, authority](const std::string& endpoint) {
      return std::make_shared<GrpcInvoker>(
          *MakeChannel(endpoint, channel, StackChannelArguments(channel, authority)));
    };
    stack.balancer = std::make_shared<BalancingInvoker>(options.target, MakeResolver(*target),
                                                        lanes, options.balancing, clock);
    stack.invoker = stack.balancer;
  } else {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        MakeChannel(options.target, options.channel, StackChannelArguments(options.channel, ""));
    if (!channel.ok()) {
      return channel.status();
    }
    stack.invoker = std::make_shared<GrpcInvoker>(*channel);
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
