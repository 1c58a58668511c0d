#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

// A signing key as the store keeps it: public part in the clear, private part sealed with the
// master key. Which key signs, and which are published, follows from the times alone, so every
// replica reading the same rows agrees (see KeySchedule).
struct SigningKeyRecord {
  std::string kid;
  std::string algorithm;           // "ES256" or "EdDSA"
  std::string public_jwk;          // JWK members as JSON, e.g. {"crv":"P-256","kty":"EC",...}
  std::string sealed_private_key;  // opaque to core
  WallTime created_at;
  WallTime activate_at;                  // signs from this time until a newer key activates
  std::optional<WallTime> withdrawn_at;  // emergency removal: no longer trusted at all
};

// Durable signing keys shared by every replica. Thread-safe; any method may return kUnavailable.
class SigningKeyStore {
 public:
  virtual ~SigningKeyStore() = default;
  virtual absl::StatusOr<std::vector<SigningKeyRecord>> ListSigningKeys() = 0;
  // kAlreadyExists if the kid, or a key with the same activate_at, exists (two replicas
  // scheduling the same rotation: one wins).
  virtual absl::Status InsertSigningKey(const SigningKeyRecord& record) = 0;
  // kNotFound if there is no such key.
  virtual absl::Status WithdrawSigningKey(absl::string_view kid, WallTime now) = 0;
  virtual absl::Status DeleteSigningKey(absl::string_view kid) = 0;
};

// Makes new keys (generate + seal). Thread-safe.
class SigningKeyFactory {
 public:
  virtual ~SigningKeyFactory() = default;
  virtual absl::StatusOr<SigningKeyRecord> CreateSigningKey(absl::string_view algorithm,
                                                            WallTime created_at,
                                                            WallTime activate_at) = 0;
};

// Takes the keys to use from now on: `signing_kid` signs; every key in `trusted` (which includes
// it) verifies and is published. Thread-safe.
class SigningKeyInstaller {
 public:
  virtual ~SigningKeyInstaller() = default;
  virtual absl::Status InstallSigningKeys(absl::string_view signing_kid,
                                          const std::vector<SigningKeyRecord>& trusted) = 0;
};

}  // namespace warden::core
