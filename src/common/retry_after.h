#pragma once

#include <chrono>
#include <optional>

#include "absl/status/status.h"

namespace warden {

// Attaches a retry hint to a status (a refused or throttled call). The transport turns it into
// the `retry-after` (seconds) and `grpc-retry-pushback-ms` trailers.
absl::Status WithRetryAfter(absl::Status status, std::chrono::milliseconds retry_after);
// The retry hint of `status`, if it has one.
std::optional<std::chrono::milliseconds> RetryAfterOf(const absl::Status& status);

}  // namespace warden
