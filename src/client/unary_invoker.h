#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace warden::client {

// One unary method as the client stack sees it: its full name, whether a retry is safe after
// the server may have run it, and the deadline a call gets when the caller sets none.
struct Method {
  std::string name;  // "/auth.AuthService/ValidateToken"
  bool idempotent;
  std::chrono::milliseconds timeout;
};

// What one call carries besides its request, and what the transport learnt. Decorators read and
// add to it; the gRPC invoker turns it into a fresh grpc::ClientContext for every attempt, which
// is why the stack does not pass grpc::ClientContext (it is single-use and cannot be copied).
struct CallContext {
  // Zero means "the method's default timeout from now".
  std::chrono::system_clock::time_point deadline{};
  std::vector<std::pair<std::string, std::string>> metadata;  // authorization, traceparent, ...

  // Filled in by the transport on return (the last attempt's):
  std::string peer;  // the endpoint that answered, as gRPC names it ("ipv4:127.0.0.2:50051")
  // The server's pushback: grpc-retry-pushback-ms, or retry-after (seconds). Negative means
  // "do not retry".
  std::optional<std::chrono::milliseconds> pushback;
  int attempts = 0;       // attempts the retry decorator made (1 without retries)
  std::string endpoint;   // the balancer's endpoint of the last attempt (avoided on a retry)
  bool not_sent = false;  // no endpoint took the call (every breaker open): safe to retry

  // Returns the value of metadata `key`, or "".
  std::string Metadata(const std::string& key) const {
    for (const auto& [k, v] : metadata) {
      if (k == key) {
        return v;
      }
    }
    return "";
  }
};

// The seam every decorator of the client stack implements: one unary call by method. Each
// decorator holds the next one; the innermost speaks gRPC. Implementations are thread-safe.
class UnaryInvoker {
 public:
  virtual ~UnaryInvoker() = default;
  virtual absl::Status Invoke(CallContext& context, const Method& method,
                              const google::protobuf::Message& request,
                              google::protobuf::Message& response) = 0;
  // True when a call now would fail at once without reaching a server (for a gRPC channel:
  // TRANSIENT_FAILURE, i.e. it cannot connect or its only server reports NOT_SERVING). The
  // balancer prefers other endpoints then. Cheap; never blocks.
  virtual bool Unreachable() const { return false; }
};

}  // namespace warden::client
