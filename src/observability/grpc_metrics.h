#pragma once

#include <array>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "common/grpc_code_name.h"
#include "observability/call_observer.h"

namespace warden::observability {

using ::warden::GrpcCodeName;

// The gRPC server metric family exactly as go-grpc-prometheus names it, so stock dashboards and
// alerts work: grpc_server_started_total, grpc_server_handled_total (+grpc_code),
// grpc_server_msg_received_total, grpc_server_msg_sent_total, grpc_server_handling_seconds,
// labelled grpc_type, grpc_service, grpc_method; plus warden_grpc_inflight_requests.
//
// Register every method before serving (series start at zero); after that, Find() is
// lock-free. Thread-safe. Keeps a reference to `registry`.
class GrpcServerMetrics {
 public:
  struct MethodMetrics {
    prometheus::Counter* started = nullptr;
    prometheus::Counter* msg_received = nullptr;
    prometheus::Counter* msg_sent = nullptr;
    std::array<prometheus::Counter*, 17> handled{};
    prometheus::Histogram* handling_seconds = nullptr;
  };

  explicit GrpcServerMetrics(prometheus::Registry& registry);

  // Pre-registers every method of `service_full_name` found in protobuf's generated pool.
  void RegisterService(const std::string& service_full_name);
  // Returns the metrics of "/package.Service/Method", or nullptr if it was never registered.
  MethodMetrics* Find(absl::string_view full_method);
  prometheus::Gauge& inflight() { return *inflight_; }

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Counter>& msg_received_;
  prometheus::Family<prometheus::Counter>& msg_sent_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Gauge* inflight_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> methods_;
};

// Feeds GrpcServerMetrics from each call of a registered method (observability/call_observer.h).
// Observes only (ADR 0003).
class MetricsObserverFactory final : public CallObserverFactory {
 public:
  explicit MetricsObserverFactory(GrpcServerMetrics& metrics) : metrics_(metrics) {}
  std::unique_ptr<MethodObserver> ForMethod(absl::string_view method) override;

 private:
  GrpcServerMetrics& metrics_;
};

}  // namespace warden::observability
