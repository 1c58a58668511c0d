#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/policy.h"

// What the guards see of a call, whatever carries it: the gRPC adapter in server/ implements
// CallView over a ServerContext; tests use guard::testing::FakeCall. Nothing here knows gRPC.
namespace warden::guard {

// One request header: how often it was sent and its first value.
struct HeaderValue {
  absl::string_view value;
  int count = 0;  // 0: absent
};

// Read-only access to one call's transport facts. Lookups are lazy: a guard asks only for what
// its method needs, so a public method pays for no header it does not read.
class CallView {
 public:
  virtual ~CallView() = default;
  // The transport peer as the server saw it ("ipv4:203.0.113.9:5000", "fd:12", "unix:...").
  virtual std::string Peer() const = 0;
  // Request header `key` (lower case).
  virtual HeaderValue Header(absl::string_view key) const = 0;
  // The identities of a verified client certificate (subject alternative names, then the common
  // name); empty without one.
  virtual std::vector<std::string> CertificateIdentities() const = 0;
};

// Who a call is from, once admitted.
struct Admitted {
  std::optional<core::Principal> principal;
  std::string client_address;  // resolved only for methods that need it (see MethodOptions)
};

// What the guards of one call have learned so far, passed down the chain.
struct CallState {
  Admitted admitted;
  // The caller's credential, once some guard resolved it (so it is checked once per call).
  std::optional<absl::StatusOr<std::optional<core::Principal>>> credential;
};

}  // namespace warden::guard
