#include "guard/policy_guard.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace warden::guard {
namespace {

class DenyUnlisted final : public MethodCheck {
 public:
  DenyUnlisted(std::string method, core::AuthEvents* events)
      : method_(std::move(method)), events_(events) {}
  absl::Status Check(const CallView& /*call*/, CallState& /*state*/) const override {
    if (events_ != nullptr) {
      events_->OnDenied(method_, false);
    }
    return absl::PermissionDeniedError(
        absl::StrCat("no policy rule allows ", method_, " (denied by default)"));
  }

 private:
  std::string method_;
  core::AuthEvents* events_;
};

class Authorize final : public MethodCheck {
 public:
  Authorize(std::string method, const core::Policy& policy, const core::MethodRule& rule,
            core::AuthEvents* events)
      : method_(std::move(method)), policy_(policy), rule_(rule), events_(events) {}
  absl::Status Check(const CallView& /*call*/, CallState& state) const override {
    const core::Principal* who =
        state.admitted.principal.has_value() ? &*state.admitted.principal : nullptr;
    absl::Status allowed = policy_.Authorize(rule_, who);
    if (!allowed.ok() && events_ != nullptr) {
      events_->OnDenied(method_, who != nullptr);
    }
    return allowed;
  }

 private:
  std::string method_;
  const core::Policy& policy_;
  const core::MethodRule& rule_;
  core::AuthEvents* events_;
};

}  // namespace

std::unique_ptr<MethodCheck> PolicyGuard::Bind(const MethodInfo& method) {
  const core::MethodRule* rule = policy_.RuleFor(method.name);
  if (rule == nullptr) {
    return std::make_unique<DenyUnlisted>(method.name, events_);
  }
  if (rule->access == core::MethodRule::Access::kPublic) {
    return nullptr;
  }
  return std::make_unique<Authorize>(method.name, policy_, *rule, events_);
}

}  // namespace warden::guard
