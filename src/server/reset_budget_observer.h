#pragma once

#include "common/clock.h"
#include "common/connection_table.h"
#include "observability/call_observer.h"

namespace warden::server {

// Counts every call the client cancelled against its connection's reset budget
// (ConnectionTable::CountCancelled), which shuts down a connection that resets streams faster
// than any client needs to: grpc++ 1.51's only in-process answer to HTTP/2 Rapid Reset. It is
// the one observer that acts rather than only observes (docs/adr/0016-edge-hardening.md);
// it never rejects a call, it ends a connection that is no longer making calls.
//
// Connections a gate did not accept (no "fd:N" peer) are not counted. Thread-safe. Keeps references
// to `table` and `clock`.
class ResetBudgetObserverFactory final : public observability::CallObserverFactory {
 public:
  ResetBudgetObserverFactory(ConnectionTable& table, const Clock& clock)
      : table_(table), clock_(clock) {}
  std::unique_ptr<observability::MethodObserver> ForMethod(absl::string_view method) override;

 private:
  ConnectionTable& table_;
  const Clock& clock_;
};

}  // namespace warden::server
