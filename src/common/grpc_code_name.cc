#include "common/grpc_code_name.h"

#include <array>

namespace warden {

absl::string_view GrpcCodeName(int code) {
  static constexpr std::array<absl::string_view, 17> kNames = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  return code >= 0 && code < 17 ? kNames[static_cast<size_t>(code)] : "Unknown";
}

}  // namespace warden
