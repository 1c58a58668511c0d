#pragma once

#include "absl/strings/string_view.h"

namespace warden {

// Returns the CamelCase name go-grpc-prometheus (and Go's codes.Code) gives a status code
// ("OK", "Canceled", "InvalidArgument", "Unauthenticated", ...); "Unknown" outside 0..16. The
// server's and the client's metrics label grpc_code with it.
absl::string_view GrpcCodeName(int code);

}  // namespace warden
