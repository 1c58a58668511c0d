#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

// Turns claims into a signed access token and back. Verify() checks the signature with the
// algorithm pinned to the key named by the token, the token type and the structure; it does
// not judge time, issuer or audience (the caller's policy). Thread-safe.
class AccessTokenCodec {
 public:
  virtual ~AccessTokenCodec() = default;
  virtual absl::StatusOr<std::string> Sign(const AccessClaims& claims) const = 0;
  // Returns kUnauthenticated for any token it cannot trust.
  virtual absl::StatusOr<AccessClaims> Verify(absl::string_view token) const = 0;
};

}  // namespace warden::core
