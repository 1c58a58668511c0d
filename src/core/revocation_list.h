#pragma once

#include <shared_mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

// The in-memory set of revoked access tokens (by jti) and sessions (by id) that ValidateToken
// consults without I/O. Entries are forgotten once the tokens they cover have expired.
//
// Thread-safe: lookups take a shared lock, changes an exclusive one.
class RevocationList {
 public:
  void RevokeToken(absl::string_view token_id, WallTime expires_at);
  void RevokeSession(absl::string_view session_id, WallTime expires_at);
  // Returns true if either the token or its session is revoked.
  bool IsRevoked(absl::string_view token_id, absl::string_view session_id) const;
  // Forgets entries whose `expires_at` is before `now`.
  void Prune(WallTime now);
  size_t SizeForTest() const;

 private:
  mutable std::shared_mutex mutex_;
  absl::flat_hash_map<std::string, WallTime> tokens_;
  absl::flat_hash_map<std::string, WallTime> sessions_;
};

}  // namespace warden::core
