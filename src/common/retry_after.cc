#include "common/retry_after.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace warden {
namespace {

constexpr char kRetryAfterUrl[] = "type.warden.dev/retry-after-ms";

}  // namespace

absl::Status WithRetryAfter(absl::Status status, std::chrono::milliseconds retry_after) {
  status.SetPayload(kRetryAfterUrl, absl::Cord(std::to_string(retry_after.count())));
  return status;
}

std::optional<std::chrono::milliseconds> RetryAfterOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryAfterUrl);
  int64_t ms = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &ms) || ms < 0) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace warden
