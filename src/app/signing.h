#pragma once

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "config/server_config.h"
#include "core/key_rotation.h"
#include "core/ports/signing_keys.h"
#include "crypto/key_ring.h"
#include "crypto/master_key.h"

// How wardend signs: the key ring of the configured signing mode, ready before the first call.
namespace warden::app {

// The master key: configured, or in --dev kept under the data dir; nullopt without either
// (then there is no managed key ring and no API keys).
absl::StatusOr<std::optional<crypto::MasterKey>> ResolveMasterKey(
    const config::ServerConfig& config);

struct Signing {
  std::unique_ptr<crypto::KeyRing> key_ring;
  std::unique_ptr<core::KeyRotation> rotation;  // managed ring only
  core::WallTime signing_since;                 // when the signing key started to sign
};

// HS256 (the configured secret, or in --dev one kept under the data dir), a fixed key file
// (its algorithm must be the configured one), or the managed ring (master key + `store`,
// ticked once here so a key signs from the first call). Errors name the file or the store.
// Keeps references to `store` and `clock` in the rotation.
absl::StatusOr<Signing> MakeSigning(const config::ServerConfig& config,
                                    const std::optional<crypto::MasterKey>& master_key,
                                    core::SigningKeyStore& store, const Clock& clock);

}  // namespace warden::app
