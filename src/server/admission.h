#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/connection_table.h"
#include "core/auth_service.h"
#include "core/policy.h"
#include "core/ports/auth_events.h"
#include "resilience/token_bucket.h"
#include "server/client_address.h"

namespace warden::server {

// Who a call is from, once admitted.
struct Admitted {
  std::optional<core::Principal> principal;
  std::string client_address;
};

// The one admission chain every RPC passes at handler entry (grpc++ 1.51 server interceptors
// cannot reject a call): per-address and per-method rate limits, authentication (bearer JWT,
// API key, or client certificate), per-principal rate limit, then the policy's verdict. A method
// without a rule is denied.
//
// Thread-safe. Keeps references to the policy, the auth service, the clock and the events sink.
class Admission {
 public:
  // Makes the limiter of one method's rate limit; `name` is "<method>:<scope>" (e.g.
  // "/auth.AuthService/Login:peer"), unique per limiter. Default: in this process's memory.
  using LimiterFactory = std::function<std::unique_ptr<resilience::RateLimiter>(
      resilience::RateSpec spec, const std::string& name)>;
  struct Options {
    std::vector<Cidr> trusted_proxies;  // x-forwarded-for is believed only from these peers
    LimiterFactory limiter_factory;     // empty: KeyedRateLimiter
    // Resolves the "fd:N" peers of connections Warden accepted itself; may be null.
    const ConnectionTable* connections = nullptr;
  };
  // Resolves an API key to its principal; kUnauthenticated when it is not a live key.
  using ApiKeyResolver = std::function<absl::StatusOr<core::Principal>(absl::string_view key)>;

  // One method's rule and rate limiters, built once.
  class Gate {
   public:
    Gate(std::string method, const core::MethodRule* rule, const LimiterFactory& limiters,
         bool needs_client_address);
    const std::string& method() const { return method_; }

   private:
    friend class Admission;
    std::string method_;
    const core::MethodRule* rule_;  // nullptr: deny
    bool needs_client_address_;
    std::unique_ptr<resilience::RateLimiter> per_peer_;
    std::unique_ptr<resilience::RateLimiter> per_principal_;
    std::unique_ptr<resilience::RateLimiter> per_method_;
  };

  Admission(const core::Policy& policy, core::AuthService& auth, const Clock& clock,
            core::AuthEvents* events, Options options);

  void SetApiKeyResolver(ApiKeyResolver resolver) { api_keys_ = std::move(resolver); }

  // The gate of `method` ("/pkg.Service/Method"). Call at startup; the reference stays valid.
  // With `needs_client_address`, Admit always resolves the client address (otherwise only when
  // a per-address limit needs it).
  const Gate& GateFor(absl::string_view method, bool needs_client_address = false);

  // Runs the chain for a call. The error is the status to finish the call with; a rate-limit
  // refusal carries a retry hint (see FinishRefused).
  absl::StatusOr<Admitted> Admit(const Gate& gate, const grpc::ServerContextBase& context) const;

 private:
  // Whether the caller authenticates (API key, client certificate, or bearer) as a principal
  // allowed to name its users' addresses (core::kPermForwardClientAddress).
  bool ForwardsClientAddress(const grpc::ServerContextBase& context) const;
  absl::StatusOr<std::optional<core::Principal>> Authenticate(
      const grpc::ServerContextBase& context) const;
  absl::Status Limited(const Gate& gate, resilience::RateLimiter& limiter, absl::string_view key,
                       core::RateLimitScope scope) const;

  const core::Policy& policy_;
  core::AuthService& auth_;
  core::AuthEvents* events_;
  Options options_;
  ApiKeyResolver api_keys_;
  absl::node_hash_map<std::string, Gate> gates_;
};

// Adds the `retry-after` (seconds) and `grpc-retry-pushback-ms` trailers when `status` carries
// a retry hint, and converts it to a grpc::Status.
grpc::Status RefusalStatus(grpc::ServerContextBase& context, const absl::Status& status);

// Admits the call or finishes `reactor` with the refusal. Returns nullopt when refused.
// `admission` may be null (no guard: tests of a bare service).
std::optional<Admitted> AdmitOrFinish(const Admission* admission, const Admission::Gate* gate,
                                      grpc::CallbackServerContext& context,
                                      grpc::ServerUnaryReactor* reactor);

// A server-streaming call refused at admission: finishes at once with the refusal.
template <typename Response>
class RefusedStream final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

// For server-streaming methods: nullptr when admitted, else a reactor that ends the call with
// the refusal. `admission` may be null (no guard).
template <typename Response>
grpc::ServerWriteReactor<Response>* RefuseStreamIfDenied(const Admission* admission,
                                                         const Admission::Gate* gate,
                                                         grpc::CallbackServerContext& context) {
  if (admission == nullptr) {
    return nullptr;
  }
  if (gate == nullptr) {  // fail closed
    return new RefusedStream<Response>(
        grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no admission gate"));
  }
  absl::StatusOr<Admitted> admitted = admission->Admit(*gate, context);
  if (admitted.ok()) {
    return nullptr;
  }
  return new RefusedStream<Response>(RefusalStatus(context, admitted.status()));
}

}  // namespace warden::server
