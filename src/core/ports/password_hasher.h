#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warden::core {

// Slow, salted password hashing. Thread-safe. Every call is CPU- and memory-heavy: never call
// it on a gRPC completion thread.
class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  // Returns a self-describing hash string (e.g. "$argon2id$...").
  virtual absl::StatusOr<std::string> Hash(absl::string_view password) const = 0;
  // Returns whether `password` matches `hash`; kInvalidArgument if `hash` is malformed.
  virtual absl::StatusOr<bool> Verify(absl::string_view password, absl::string_view hash) const = 0;
  // Returns true if `hash` uses weaker parameters or another scheme than Hash() would.
  virtual bool NeedsRehash(absl::string_view hash) const = 0;
};

}  // namespace warden::core
