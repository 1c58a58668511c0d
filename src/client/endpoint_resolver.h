#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace warden::client {

// What a client target names, in gRPC's own syntax:
//   dns:///name:port            resolved by the system resolver (getaddrinfo)
//   dns://server:port/name:port resolved by asking that DNS server (A and AAAA)
//   ipv4:a:p,b:p / ipv6:[a]:p   a fixed list
//   anything else (host:port, unix:path) is handed to gRPC as one endpoint.
struct Target {
  enum class Kind { kDns, kStatic, kSingle };
  Kind kind = Kind::kSingle;
  std::string dns_server;  // "127.0.0.1:5353" for dns://127.0.0.1:5353/...; "" = system
  std::string host;        // the name to resolve (kDns), also the TLS/authority name
  std::string port;
  std::vector<std::string> endpoints;  // kStatic: one gRPC target per address; kSingle: the target
};

absl::StatusOr<Target> ParseTarget(const std::string& text);

// Turns a target into the endpoints to balance over, each a gRPC target of one address
// ("ipv4:127.0.0.2:50051", "ipv6:[::1]:50051"). Implementations are thread-safe.
class EndpointResolver {
 public:
  virtual ~EndpointResolver() = default;
  virtual absl::StatusOr<std::vector<std::string>> Resolve() = 0;
};

// The resolver for a parsed target: DNS for kDns, the fixed list otherwise.
std::unique_ptr<EndpointResolver> MakeResolver(const Target& target);

}  // namespace warden::client
