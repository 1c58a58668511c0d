#pragma once

#include <cstddef>
#include <cstdint>
#include "absl/strings/string_view.h"

#include "core/ports/password_hasher.h"

namespace warden::crypto {

// Argon2id (libsodium's crypto_pwhash_str, parallelism 1). Defaults are OWASP's minimum:
// m = 19 MiB, t = 2, p = 1. Thread-safe.
class Argon2idPasswordHasher final : public core::PasswordHasher {
 public:
  struct Options {
    uint64_t iterations = 2;
    size_t memory_bytes = 19 * 1024 * 1024;
  };
  explicit Argon2idPasswordHasher(Options options) : options_(options) {}

  absl::StatusOr<std::string> Hash(absl::string_view password) const override;
  absl::StatusOr<bool> Verify(absl::string_view password, absl::string_view hash) const override;
  bool NeedsRehash(absl::string_view hash) const override;

 private:
  const Options options_;
};

}  // namespace warden::crypto
