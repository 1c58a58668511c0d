#include "client/metrics_invoker.h"

#include "absl/strings/string_view.h"
#include "client/methods.h"
#include "common/grpc_code_name.h"

namespace warden::client {

ClientMetrics::ClientMetrics(prometheus::Registry& registry) {
  auto& started = prometheus::BuildCounter()
                      .Name("grpc_client_started_total")
                      .Help("Total number of RPCs started on the client.")
                      .Register(registry);
  auto& handled = prometheus::BuildCounter()
                      .Name("grpc_client_handled_total")
                      .Help(
                          "Total number of RPCs completed by the client, regardless of success "
                          "or failure.")
                      .Register(registry);
  auto& seconds = prometheus::BuildHistogram()
                      .Name("grpc_client_handling_seconds")
                      .Help(
                          "Histogram of response latency (seconds) of the gRPC until it is "
                          "finished by the application.")
                      .Register(registry);
  static const prometheus::Histogram::BucketBoundaries kDefBuckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  for (const Method* method : methods::All()) {
    absl::string_view name = method->name;  // "/package.Service/Method"
    const size_t slash = name.rfind('/');
    const std::map<std::string, std::string> labels = {
        {"grpc_type", "unary"},
        {"grpc_service", std::string(name.substr(1, slash - 1))},
        {"grpc_method", std::string(name.substr(slash + 1))}};
    PerMethod& per = methods_[method->name];
    per.started = &started.Add(labels);
    per.handling_seconds = &seconds.Add(labels, kDefBuckets);
    for (int code = 0; code < 17; ++code) {
      std::map<std::string, std::string> with_code = labels;
      with_code["grpc_code"] = std::string(GrpcCodeName(code));
      per.handled[static_cast<size_t>(code)] = &handled.Add(with_code);
    }
  }
}

const ClientMetrics::PerMethod* ClientMetrics::Find(const Method& method) const {
  auto it = methods_.find(method.name);
  return it == methods_.end() ? nullptr : &it->second;
}

absl::Status MetricsInvoker::Invoke(CallContext& context, const Method& method,
                                    const google::protobuf::Message& request,
                                    google::protobuf::Message& response) {
  const ClientMetrics::PerMethod* per = metrics_->Find(method);
  if (per == nullptr) {
    return next_->Invoke(context, method, request, response);
  }
  per->started->Increment();
  const auto start = clock_.SteadyNow();
  absl::Status status = next_->Invoke(context, method, request, response);
  const int code = static_cast<int>(status.code());
  per->handled[code >= 0 && code < 17 ? static_cast<size_t>(code) : 2]->Increment();
  per->handling_seconds->Observe(std::chrono::duration<double>(clock_.SteadyNow() - start).count());
  return status;
}

}  // namespace warden::client
