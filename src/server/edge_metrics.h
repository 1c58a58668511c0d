#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>
#include <string>

#include "common/process_resources.h"
#include "server/connection_gate.h"

namespace warden::server {

// What an attack on the edge shows: per listener, connections open, accepted, and closed by
// reason (warden_connections_*), accept errors and whether the listener still accepts
// (warden_listener_up); for the process, resident memory, descriptors (the Prometheus client
// libraries' standard process_* names) and what the memory trimmer gave back.
//
// Thread-safe: Update() may run from concurrent scrapes. Keeps a reference to `registry`.
class EdgeMetrics {
 public:
  explicit EdgeMetrics(prometheus::Registry& registry);

  // Sets the gauges and advances the counters of listener `name` to `stats`.
  void UpdateListener(const std::string& name, const ConnectionGate::Stats& stats);
  // Advances the count of connections shut down for going over the reset budget.
  void UpdateResetFloods(uint64_t total);
  // Sets the listener-up gauge of a listener Warden does not accept for itself (TLS: gRPC's own
  // listener, checked by the self-probe).
  void SetListenerUp(const std::string& name, bool up);
  // Reads the process's memory and descriptors now; `trimmer` may be null.
  void UpdateProcess(const MemoryTrimmer* trimmer);

 private:
  struct Totals {
    std::map<std::string, uint64_t> reported;  // counter value already added, by series
  };
  void Advance(prometheus::Counter& counter, const std::string& key, uint64_t total);

  prometheus::Family<prometheus::Gauge>& open_;
  prometheus::Family<prometheus::Gauge>& max_;
  prometheus::Family<prometheus::Counter>& accepted_;
  prometheus::Family<prometheus::Counter>& closed_;
  prometheus::Family<prometheus::Counter>& accept_errors_;
  prometheus::Family<prometheus::Gauge>& up_;
  prometheus::Gauge& resident_;
  prometheus::Gauge& open_fds_;
  prometheus::Gauge& max_fds_;
  prometheus::Counter& trims_;
  prometheus::Counter& trimmed_bytes_;
  std::mutex mutex_;
  std::map<std::string, uint64_t> reported_;
};

}  // namespace warden::server
