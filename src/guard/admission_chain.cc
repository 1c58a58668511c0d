#include "guard/admission_chain.h"

#include "guard/client_address_guard.h"
#include "guard/credential_guard.h"
#include "guard/policy_guard.h"

namespace warden::guard {

std::unique_ptr<GuardChain> MakeAdmissionChain(const AdmissionPorts& ports,
                                               AdmissionOptions options) {
  LimiterFactory limiters =
      options.limiters ? std::move(options.limiters) : InProcessLimiters(ports.clock);
  auto credentials = std::make_unique<CredentialGuard>(
      CredentialResolver::Ports{
          .tokens = ports.tokens, .api_keys = ports.api_keys, .policy = ports.policy},
      ports.events);
  std::vector<std::unique_ptr<Guard>> guards;
  guards.push_back(std::make_unique<ClientAddressGuard>(
      ClientAddressGuard::Options{.policy = ports.policy,
                                  .trusted_proxies = std::move(options.trusted_proxies),
                                  .connections = ports.connections,
                                  .forwarders = &credentials->resolver()}));
  guards.push_back(std::make_unique<RateLimitGuard>(
      ports.policy,
      std::vector<core::RateLimitScope>{core::RateLimitScope::kPeer, core::RateLimitScope::kMethod},
      limiters, ports.events));
  guards.push_back(std::move(credentials));
  guards.push_back(std::make_unique<RateLimitGuard>(
      ports.policy, std::vector<core::RateLimitScope>{core::RateLimitScope::kPrincipal}, limiters,
      ports.events));
  guards.push_back(std::make_unique<PolicyGuard>(ports.policy, ports.events));
  return std::make_unique<GuardChain>(std::move(guards));
}

}  // namespace warden::guard
