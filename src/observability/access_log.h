#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "common/connection_table.h"
#include "observability/call_observer.h"
#include "observability/span_exporter.h"

namespace warden::observability {

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
  std::unique_ptr<MethodObserver> ForMethod(absl::string_view method) override;

 private:
  const Options options_;
  const Clock& clock_;
};

}  // namespace warden::observability
