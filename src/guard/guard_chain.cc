#include "guard/guard_chain.h"

namespace warden::guard {

absl::StatusOr<Admitted> MethodGuard::Admit(const CallView& call) const {
  CallState state;
  for (const std::unique_ptr<MethodCheck>& check : checks_) {
    if (absl::Status passed = check->Check(call, state); !passed.ok()) {
      return passed;
    }
  }
  return std::move(state.admitted);
}

std::unique_ptr<GuardChain> GuardChain::AllowAll() {
  return std::make_unique<GuardChain>(std::vector<std::unique_ptr<Guard>>{});
}

const MethodGuard& GuardChain::Bind(absl::string_view method, MethodOptions options) {
  std::lock_guard lock(mutex_);
  if (auto it = methods_.find(method); it != methods_.end()) {
    return it->second;
  }
  const MethodInfo info{.name = std::string(method), .options = options};
  std::vector<std::unique_ptr<MethodCheck>> checks;
  for (const std::unique_ptr<Guard>& guard : guards_) {
    if (std::unique_ptr<MethodCheck> check = guard->Bind(info)) {
      checks.push_back(std::move(check));
    }
  }
  return methods_.try_emplace(info.name, info.name, std::move(checks)).first->second;
}

}  // namespace warden::guard
