#pragma once

#include <string>

#include "absl/status/status.h"

namespace warden::observability {

// Sends logs to stderr at `level` (trace, debug, info, warn, error, critical, off).
absl::Status ConfigureLogging(const std::string& level);

}  // namespace warden::observability
