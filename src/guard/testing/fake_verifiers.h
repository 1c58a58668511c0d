#pragma once

#include <map>
#include <string>

#include "core/ports/credential_verifiers.h"

namespace warden::guard::testing {

// Accepts the tokens it was given, with their claims; counts the checks.
class FakeTokenVerifier final : public core::AccessTokenVerifier {
 public:
  void Accept(std::string token, core::AccessClaims claims) {
    tokens_[std::move(token)] = std::move(claims);
  }
  absl::StatusOr<core::AccessClaims> Validate(absl::string_view token) const override {
    ++checks_;
    auto it = tokens_.find(std::string(token));
    if (it == tokens_.end()) {
      return absl::UnauthenticatedError("invalid token");
    }
    return it->second;
  }
  int checks() const { return checks_; }

 private:
  std::map<std::string, core::AccessClaims> tokens_;
  mutable int checks_ = 0;
};

// Accepts the API keys it was given.
class FakeApiKeys final : public core::ApiKeyAuthenticator {
 public:
  void Accept(std::string key, core::Principal principal) {
    keys_[std::move(key)] = std::move(principal);
  }
  absl::StatusOr<core::Principal> Authenticate(absl::string_view key) override {
    auto it = keys_.find(std::string(key));
    if (it == keys_.end()) {
      return absl::UnauthenticatedError("invalid API key");
    }
    return it->second;
  }

 private:
  std::map<std::string, core::Principal> keys_;
};

}  // namespace warden::guard::testing
