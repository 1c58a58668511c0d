#pragma once

#include <string>
#include <vector>

#include "core/ports/auth_events.h"

namespace warden::guard::testing {

// Remembers the admission events it is told about.
class RecordingEvents final : public core::AuthEvents {
 public:
  void OnRateLimited(absl::string_view method, core::RateLimitScope scope) override {
    rate_limited.emplace_back(method);
    scopes.push_back(scope);
  }
  void OnDenied(absl::string_view method, bool authenticated) override {
    denied.emplace_back(method);
    denied_authenticated.push_back(authenticated);
  }
  std::vector<std::string> rate_limited;
  std::vector<core::RateLimitScope> scopes;
  std::vector<std::string> denied;
  std::vector<bool> denied_authenticated;
};

}  // namespace warden::guard::testing
