#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/access_token_codec.h"
#include "core/ports/signing_keys.h"
#include "crypto/jwt_codec.h"
#include "crypto/master_key.h"

namespace warden::crypto {

// The keys in use right now: one signs, all verify and (asymmetric ones) are published as a
// JWKS. Replaced as a whole (an atomic snapshot swap), so a token is always checked against a
// consistent set. As a SigningKeyInstaller it opens sealed keys with the master key; as a
// SigningKeyFactory it makes and seals new ones.
//
// Thread-safe.
class KeyRing final : public core::AccessTokenCodec,
                      public core::SigningKeyInstaller,
                      public core::SigningKeyFactory {
 public:
  // A ring managed through the store (keys sealed by `master_key`); empty until installed.
  explicit KeyRing(std::optional<MasterKey> master_key);
  // A fixed ring: `key` signs and verifies, nothing rotates (static key file or HS256).
  static std::unique_ptr<KeyRing> Fixed(SigningKey key);

  absl::StatusOr<std::string> Sign(const core::AccessClaims& claims) const override;
  absl::StatusOr<core::AccessClaims> Verify(absl::string_view token) const override;

  absl::Status InstallSigningKeys(absl::string_view signing_kid,
                                  const std::vector<core::SigningKeyRecord>& trusted) override;
  absl::StatusOr<core::SigningKeyRecord> CreateSigningKey(absl::string_view algorithm,
                                                          core::WallTime created_at,
                                                          core::WallTime activate_at) override;

  // Replaces the keys with the public keys of a JWK Set (a verify-only ring, as in the
  // verifier library). Keys of other types are skipped; kInvalidArgument if none is usable.
  absl::Status InstallJwks(absl::string_view jwks_json);
  // Returns true if `kid` is trusted now.
  bool Trusts(absl::string_view kid) const;

  // Returns the JWK Set (RFC 7517) of the published public keys: {"keys":[...]}.
  std::string JwksJson() const;
  // The kid that signs now (empty before the first install).
  std::string SigningKid() const;
  // Algorithms of the published keys, e.g. {"ES256"}.
  std::vector<std::string> Algorithms() const;

 private:
  struct Snapshot {
    std::unique_ptr<JwtCodec> codec;
    std::string jwks;
    std::vector<std::string> algorithms;
  };
  static std::shared_ptr<const Snapshot> MakeSnapshot(SigningKey active,
                                                      std::vector<SigningKey> others);

  const std::optional<MasterKey> master_key_;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
};

}  // namespace warden::crypto
