#include "observability/grpc_metrics.h"

#include <google/protobuf/descriptor.h>

#include "absl/strings/str_cat.h"

namespace warden::observability {
namespace {

// prometheus.DefBuckets, which go-grpc-prometheus uses for grpc_server_handling_seconds.
const prometheus::Histogram::BucketBoundaries& DefaultBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

const char* TypeName(bool client_streaming, bool server_streaming) {
  if (client_streaming && server_streaming) {
    return "bidi_stream";
  }
  if (client_streaming) {
    return "client_stream";
  }
  if (server_streaming) {
    return "server_stream";
  }
  return "unary";
}

// One method's series.
class MetricsObserver final : public MethodObserver {
 public:
  MetricsObserver(GrpcServerMetrics::MethodMetrics* method, prometheus::Gauge& inflight)
      : method_(method), inflight_(inflight) {}

  void Started(CallRecord& /*call*/) override {
    method_->started->Increment();
    inflight_.Increment();
  }
  void Received() override { method_->msg_received->Increment(); }
  void Sent() override { method_->msg_sent->Increment(); }
  void Finished(CallRecord& call) override {
    method_->handled[call.code >= 0 && call.code < 17 ? call.code : 2]->Increment();
    method_->handling_seconds->Observe(
        std::chrono::duration<double>(call.finished - call.started).count());
    inflight_.Decrement();
  }

 private:
  GrpcServerMetrics::MethodMetrics* method_;
  prometheus::Gauge& inflight_;
};

}  // namespace

GrpcServerMetrics::GrpcServerMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, regardless of success "
                         "or failure.")
                   .Register(registry)),
      msg_received_(prometheus::BuildCounter()
                        .Name("grpc_server_msg_received_total")
                        .Help("Total number of RPC stream messages received on the server.")
                        .Register(registry)),
      msg_sent_(prometheus::BuildCounter()
                    .Name("grpc_server_msg_sent_total")
                    .Help("Total number of gRPC stream messages sent by the server.")
                    .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Histogram of response latency (seconds) of gRPC that had been "
                                  "application-level handled by the server.")
                            .Register(registry)),
      inflight_(&prometheus::BuildGauge()
                     .Name("warden_grpc_inflight_requests")
                     .Help("RPCs started and not yet finished.")
                     .Register(registry)
                     .Add({})) {}

void GrpcServerMetrics::RegisterService(const std::string& service_full_name) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_full_name);
  if (service == nullptr) {
    return;
  }
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service->method(i);
    const std::map<std::string, std::string> labels = {
        {"grpc_type", TypeName(method->client_streaming(), method->server_streaming())},
        {"grpc_service", service_full_name},
        {"grpc_method", method->name()}};
    auto metrics = std::make_unique<MethodMetrics>();
    metrics->started = &started_.Add(labels);
    metrics->msg_received = &msg_received_.Add(labels);
    metrics->msg_sent = &msg_sent_.Add(labels);
    metrics->handling_seconds = &handling_seconds_.Add(labels, DefaultBuckets());
    for (int code = 0; code < 17; ++code) {
      std::map<std::string, std::string> with_code = labels;
      with_code["grpc_code"] = std::string(GrpcCodeName(code));
      metrics->handled[static_cast<size_t>(code)] = &handled_.Add(with_code);
    }
    methods_.emplace(absl::StrCat("/", service_full_name, "/", method->name()), std::move(metrics));
  }
}

GrpcServerMetrics::MethodMetrics* GrpcServerMetrics::Find(absl::string_view full_method) {
  auto it = methods_.find(full_method);
  return it == methods_.end() ? nullptr : it->second.get();
}

std::unique_ptr<MethodObserver> MetricsObserverFactory::ForMethod(absl::string_view method) {
  GrpcServerMetrics::MethodMetrics* metrics = metrics_.Find(method);
  if (metrics == nullptr) {
    return nullptr;  // not one of the registered services
  }
  return std::make_unique<MetricsObserver>(metrics, metrics_.inflight());
}

}  // namespace warden::observability
