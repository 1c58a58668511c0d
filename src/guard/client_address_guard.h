#pragma once

#include <memory>
#include <vector>

#include "common/connection_table.h"
#include "core/policy.h"
#include "guard/client_address.h"
#include "guard/credential_guard.h"
#include "guard/guard.h"

namespace warden::guard {

// Finds the client address of calls that need one: methods with a per-address rate limit, and
// methods bound with MethodOptions::needs_client_address. The address is the transport peer
// (looked up in the connection table for connections Warden accepted itself), or the
// `x-forwarded-for` client when the peer is a trusted proxy. A method that needs the address
// (Login's per-address lockout) also believes `x-forwarded-for` from a caller that authenticates
// with core::kPermForwardClientAddress (a web backend calling Login for its users).
// Never refuses a call.
//
// Thread-safe. Keeps references to its options' pointees.
class ClientAddressGuard final : public Guard {
 public:
  struct Options {
    const core::Policy& policy;
    std::vector<Cidr> trusted_proxies;  // x-forwarded-for is believed only from these peers
    const ConnectionTable* connections = nullptr;    // resolves "fd:N" peers; may be null
    const CredentialResolver* forwarders = nullptr;  // null: no caller may forward
  };
  explicit ClientAddressGuard(Options options) : options_(std::move(options)) {}
  std::unique_ptr<MethodCheck> Bind(const MethodInfo& method) override;

 private:
  Options options_;
};

}  // namespace warden::guard
