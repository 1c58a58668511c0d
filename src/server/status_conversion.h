#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace warden::server {

// The only conversion from absl::Status to grpc::Status. The code enums mirror google.rpc.Code,
// so the cast is exact.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace warden::server
