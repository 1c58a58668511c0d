#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/ports/access_token_codec.h"
#include "core/ports/password_hasher.h"
#include "core/ports/random_source.h"
#include "core/ports/signing_keys.h"

namespace warden::core {

// "fake$<password>": instant, for tests of the use cases. Counts Hash and Verify calls.
class FakePasswordHasher final : public PasswordHasher {
 public:
  absl::StatusOr<std::string> Hash(absl::string_view password) const override {
    hashes.fetch_add(1);
    return absl::StrCat("fake$", password);
  }
  absl::StatusOr<bool> Verify(absl::string_view password, absl::string_view hash) const override {
    verifications.fetch_add(1);
    if (!absl::StartsWith(hash, "fake$")) {
      return absl::InvalidArgumentError("not a fake hash");
    }
    return hash.substr(5) == password;
  }
  bool NeedsRehash(absl::string_view) const override { return false; }
  mutable std::atomic<int> verifications{0};
  mutable std::atomic<int> hashes{0};
};

// Hands out opaque tokens "fake-token-N" and remembers their claims. Thread-safe.
class FakeAccessTokenCodec final : public AccessTokenCodec {
 public:
  absl::StatusOr<std::string> Sign(const AccessClaims& claims) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string token = absl::StrCat("fake-token-", issued_.size());
    issued_.emplace(token, claims);
    return token;
  }
  absl::StatusOr<AccessClaims> Verify(absl::string_view token) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    verifications++;
    auto it = issued_.find(std::string(token));
    if (it == issued_.end()) {
      return absl::UnauthenticatedError("unknown");
    }
    return it->second;
  }
  mutable int verifications = 0;

 private:
  mutable std::mutex mutex_;
  mutable std::map<std::string, AccessClaims> issued_;
};

// Deterministic pseudo-random bytes (never use outside tests). Thread-safe.
class FakeRandomSource final : public RandomSource {
 public:
  std::string Bytes(size_t count) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out(count, '\0');
    for (char& c : out) {
      c = static_cast<char>(engine_() & 0xff);
    }
    return out;
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_{42};
};

// Identity-with-prefix digest, so tests can see what was stored.
class FakeTokenHasher final : public TokenHasher {
 public:
  std::string Hash(absl::string_view token) const override { return absl::StrCat("h:", token); }
};

// "sealed:<key>:<secret>": opens only with the same key, so tests see what a retry gets.
class FakeTokenSealer final : public TokenSealer {
 public:
  std::string Seal(absl::string_view key_token, absl::string_view secret) const override {
    return absl::StrCat("sealed:", key_token, ":", secret);
  }
  std::optional<std::string> Open(absl::string_view key_token,
                                  absl::string_view sealed) const override {
    const std::string prefix = absl::StrCat("sealed:", key_token, ":");
    if (!absl::StartsWith(sealed, prefix)) {
      return std::nullopt;
    }
    return std::string(sealed.substr(prefix.size()));
  }
};

}  // namespace warden::core

namespace warden::core {

// Makes key records with sequential kids ("k1", "k2", ...) and no real key material.
class FakeSigningKeyFactory final : public SigningKeyFactory {
 public:
  absl::StatusOr<SigningKeyRecord> CreateSigningKey(absl::string_view algorithm,
                                                    WallTime created_at,
                                                    WallTime activate_at) override {
    std::lock_guard<std::mutex> lock(mutex_);
    return SigningKeyRecord{.kid = absl::StrCat("k", ++count_),
                            .algorithm = std::string(algorithm),
                            .public_jwk = "{}",
                            .sealed_private_key = "sealed",
                            .created_at = created_at,
                            .activate_at = activate_at};
  }

 private:
  std::mutex mutex_;
  int count_ = 0;
};

// Remembers what was installed.
class FakeSigningKeyInstaller final : public SigningKeyInstaller {
 public:
  absl::Status InstallSigningKeys(absl::string_view signing_kid,
                                  const std::vector<SigningKeyRecord>& trusted) override {
    std::lock_guard<std::mutex> lock(mutex_);
    signing = std::string(signing_kid);
    trusted_kids.clear();
    for (const SigningKeyRecord& key : trusted) {
      trusted_kids.push_back(key.kid);
    }
    ++installs;
    return absl::OkStatus();
  }
  std::mutex mutex_;
  std::string signing;
  std::vector<std::string> trusted_kids;
  int installs = 0;
};

}  // namespace warden::core
