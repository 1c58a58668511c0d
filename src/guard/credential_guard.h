#pragma once

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "core/policy.h"
#include "core/ports/auth_events.h"
#include "core/ports/credential_verifiers.h"
#include "guard/guard.h"

namespace warden::guard {

// Tells who a call is from: a bearer access token (`authorization: Bearer ...`), an API key
// (`x-api-key: ...` or `authorization: ApiKey ...`), or a verified client certificate whose
// identity the policy knows; no credential is an anonymous call. Sending a header twice, two
// credentials at once, or an oversized one is kUnauthenticated. The result is kept in the call
// state, so a call is authenticated once whichever guard asks first.
//
// Thread-safe. Keeps references to its ports.
class CredentialResolver {
 public:
  struct Ports {
    const core::AccessTokenVerifier& tokens;
    core::ApiKeyAuthenticator* api_keys = nullptr;  // null: API keys are off (always refused)
    const core::Policy& policy;                     // certificate identities and their roles
  };
  explicit CredentialResolver(Ports ports) : ports_(ports) {}

  const absl::StatusOr<std::optional<core::Principal>>& Resolve(const CallView& call,
                                                                CallState& state) const;

 private:
  absl::StatusOr<std::optional<core::Principal>> Authenticate(const CallView& call) const;

  Ports ports_;
};

// Authenticates the callers of every non-public method with a rule; a bad credential ends the
// call with kUnauthenticated. Leaves the verdict on an anonymous call to the policy guard.
//
// Thread-safe. Keeps references to its ports (`events` may be null).
class CredentialGuard final : public Guard {
 public:
  CredentialGuard(CredentialResolver::Ports ports, core::AuthEvents* events)
      : resolver_(ports), policy_(ports.policy), events_(events) {}
  std::unique_ptr<MethodCheck> Bind(const MethodInfo& method) override;
  // For guards earlier in the chain that need the caller (they share the call's result).
  const CredentialResolver& resolver() const { return resolver_; }

 private:
  CredentialResolver resolver_;
  const core::Policy& policy_;
  core::AuthEvents* events_;
};

}  // namespace warden::guard
