#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include "absl/strings/string_view.h"

namespace warden::core {

// Cryptographically secure random bytes. Thread-safe.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual std::string Bytes(size_t count) = 0;
};

// One-way digest of a high-entropy token (refresh tokens are stored only this way). Thread-safe.
class TokenHasher {
 public:
  virtual ~TokenHasher() = default;
  // Returns a printable digest of `token`.
  virtual std::string Hash(absl::string_view token) const = 0;
};

}  // namespace warden::core
