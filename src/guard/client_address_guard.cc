#include "guard/client_address_guard.h"

namespace warden::guard {
namespace {

class Resolve final : public MethodCheck {
 public:
  Resolve(const ClientAddressGuard::Options& options, bool may_forward)
      : options_(options), may_forward_(may_forward) {}
  absl::Status Check(const CallView& call, CallState& state) const override {
    const absl::string_view forwarded = call.Header("x-forwarded-for").value;
    const std::string transport = call.Peer();
    const std::string peer =
        options_.connections != nullptr ? options_.connections->Resolve(transport) : transport;
    state.admitted.client_address = ClientAddress(peer, forwarded, options_.trusted_proxies);
    if (may_forward_ && !forwarded.empty() && Forwards(call, state)) {
      state.admitted.client_address =
          ClientAddress(peer, forwarded, options_.trusted_proxies, /*peer_forwards=*/true);
    }
    return absl::OkStatus();
  }

 private:
  bool Forwards(const CallView& call, CallState& state) const {
    if (options_.forwarders == nullptr) {
      return false;
    }
    const absl::StatusOr<std::optional<core::Principal>>& caller =
        options_.forwarders->Resolve(call, state);
    return caller.ok() && caller->has_value() &&
           options_.policy.HasPermission(**caller, core::kPermForwardClientAddress);
  }

  const ClientAddressGuard::Options& options_;
  bool may_forward_;
};

}  // namespace

std::unique_ptr<MethodCheck> ClientAddressGuard::Bind(const MethodInfo& method) {
  const core::MethodRule* rule = options_.policy.RuleFor(method.name);
  const bool limited = rule != nullptr && rule->per_peer.per_second > 0;
  if (!limited && !method.options.needs_client_address) {
    return nullptr;
  }
  return std::make_unique<Resolve>(options_, method.options.needs_client_address);
}

}  // namespace warden::guard
