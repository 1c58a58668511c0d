#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/model.h"
#include "core/policy.h"

namespace warden::core {

// The narrow ports admission needs to tell who is calling: it checks credentials, it does not
// run use cases. core::AuthService and core::ApiKeyService implement them.

// Checks a bearer access token. Must be thread-safe and cheap (it runs on every protected call).
class AccessTokenVerifier {
 public:
  virtual ~AccessTokenVerifier() = default;
  // The claims of a valid, unrevoked access token; kUnauthenticated otherwise.
  virtual absl::StatusOr<AccessClaims> Validate(absl::string_view access_token) const = 0;
};

// Resolves an API key to the principal it stands for. Must be thread-safe.
class ApiKeyAuthenticator {
 public:
  virtual ~ApiKeyAuthenticator() = default;
  // The key's principal; kUnauthenticated when it is not a live key.
  virtual absl::StatusOr<Principal> Authenticate(absl::string_view key) = 0;
};

}  // namespace warden::core
