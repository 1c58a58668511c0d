#pragma once

#include <cstddef>
#include <optional>
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

// Seals a secret under a high-entropy token, so that only a holder of that token can read it:
// a spent refresh token keeps its successor this way, for a retry within the grace window,
// without the store ever holding a usable token. Thread-safe.
class TokenSealer {
 public:
  virtual ~TokenSealer() = default;
  // Returns printable text.
  virtual std::string Seal(absl::string_view key_token, absl::string_view secret) const = 0;
  // Returns the secret, or nullopt if `sealed` was not sealed under `key_token`.
  virtual std::optional<std::string> Open(absl::string_view key_token,
                                          absl::string_view sealed) const = 0;
};

}  // namespace warden::core
