#pragma once

#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/connection_table.h"
#include "core/policy.h"
#include "core/ports/auth_events.h"
#include "core/ports/credential_verifiers.h"
#include "guard/client_address.h"
#include "guard/guard_chain.h"
#include "guard/rate_limit_guard.h"

namespace warden::guard {

struct AdmissionPorts {
  const core::Policy& policy;
  const core::AccessTokenVerifier& tokens;
  core::ApiKeyAuthenticator* api_keys = nullptr;  // null: API keys are off
  const Clock& clock;
  core::AuthEvents* events = nullptr;            // metrics; may be null
  const ConnectionTable* connections = nullptr;  // "fd:N" peers; may be null
};

struct AdmissionOptions {
  std::vector<Cidr> trusted_proxies;
  LimiterFactory limiters;  // empty: InProcessLimiters(clock)
};

// The server's chain, in its order (docs/adr/0020-guard-chain.md):
//   1. client address   (methods with a per-address limit, and Login)
//   2. rate limits per client address and per method   (before any credential is verified)
//   3. credential       (non-public methods: bearer token, API key or client certificate)
//   4. rate limit per principal
//   5. policy           (a method without a rule is denied; otherwise Policy::Authorize)
// Keeps references to the ports.
std::unique_ptr<GuardChain> MakeAdmissionChain(const AdmissionPorts& ports,
                                               AdmissionOptions options);

}  // namespace warden::guard
