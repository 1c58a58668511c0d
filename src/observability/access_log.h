#pragma once

#include <string>

#include <grpcpp/support/server_interceptor.h>

#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "common/connection_table.h"
#include "observability/call_observer.h"
#include "observability/span_exporter.h"

namespace warden::observability {

// Trailing metadata a handler sets to name the call's principal (a user id) for the access log;
// the interceptor removes it before the status is sent, so clients never see it.
inline constexpr absl::string_view kPrincipalTrailer = "x-warden-principal";

// Returns the trace id of a W3C `traceparent` header ("00-<32 hex>-<16 hex>-<2 hex>"), or empty
// when it is absent or malformed (all-zero ids are invalid too).
std::string TraceIdFromTraceparent(absl::string_view traceparent);

// One JSON line per finished RPC on the "access" logger: method, gRPC code, duration, peer and
// trace id (from `traceparent`, or a new one); and, with an exporter, one server span per RPC
// (child of the caller's span). Never metadata values, messages or tokens. Observes only
// (ADR 0003).
class AccessLogObserverFactory final : public CallObserverFactory {
 public:
  enum class Mode { kOff, kAll, kErrors };
  struct Options {
    Mode mode = Mode::kAll;
    double sample_rate = 1.0;          // of the calls Mode selects, the fraction logged
    SpanExporter* exporter = nullptr;  // when set, every call also becomes a server span
    // Resolves the "fd:N" peers of connections Warden accepted itself; may be null.
    const ConnectionTable* connections = nullptr;
  };
  AccessLogObserverFactory(Options options, const Clock& clock)
      : options_(options), clock_(clock) {}
  std::unique_ptr<CallObserver> Create(grpc::experimental::ServerRpcInfo* info) override;

 private:
  const Options options_;
  const Clock& clock_;
};

}  // namespace warden::observability
