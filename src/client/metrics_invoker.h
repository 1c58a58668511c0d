#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "client/unary_invoker.h"
#include "common/clock.h"

namespace warden::client {

// The client half of go-grpc-prometheus, named exactly as it names them, so the dashboards and
// alerts written for Go clients work: grpc_client_started_total, grpc_client_handled_total
// (+grpc_code) and grpc_client_handling_seconds (prometheus.DefBuckets), labelled grpc_type,
// grpc_service, grpc_method. One observation per logical call (retries inside it included).
// Series of every method in methods::All() exist from the start. Thread-safe.
class ClientMetrics {
 public:
  struct PerMethod {
    prometheus::Counter* started = nullptr;
    std::array<prometheus::Counter*, 17> handled{};
    prometheus::Histogram* handling_seconds = nullptr;
  };

  explicit ClientMetrics(prometheus::Registry& registry);
  // nullptr for a method outside methods::All().
  const PerMethod* Find(const Method& method) const;

 private:
  absl::flat_hash_map<std::string, PerMethod> methods_;
};

class MetricsInvoker final : public UnaryInvoker {
 public:
  MetricsInvoker(std::shared_ptr<UnaryInvoker> next, std::shared_ptr<ClientMetrics> metrics,
                 const Clock& clock)
      : next_(std::move(next)), metrics_(std::move(metrics)), clock_(clock) {}

  absl::Status Invoke(CallContext& context, const Method& method,
                      const google::protobuf::Message& request,
                      google::protobuf::Message& response) override;

 private:
  std::shared_ptr<UnaryInvoker> next_;
  std::shared_ptr<ClientMetrics> metrics_;
  const Clock& clock_;
};

}  // namespace warden::client
