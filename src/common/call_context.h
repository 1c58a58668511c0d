#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace warden {

// The trace id of the call the current thread is working on, so that log lines and audit
// events made deep inside a use case carry it without threading it through every signature.
// Set with ScopedTraceId around the work of one call; empty outside calls.
absl::string_view CurrentTraceId();

class ScopedTraceId {
 public:
  explicit ScopedTraceId(std::string trace_id);
  ~ScopedTraceId();
  ScopedTraceId(const ScopedTraceId&) = delete;
  ScopedTraceId& operator=(const ScopedTraceId&) = delete;

 private:
  std::string previous_;
};

}  // namespace warden
