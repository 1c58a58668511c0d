#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

// One entry of the revocation list.
struct RevocationEvent {
  enum class Kind { kToken, kSession };
  Kind kind = Kind::kToken;
  std::string id;  // jti or session id
  WallTime expires_at;
};

// The in-memory set of revoked access tokens (by jti) and sessions (by id) that ValidateToken
// consults without I/O. Entries are forgotten once the tokens they cover have expired.
// Listeners hear of every revocation (the revocation stream to verifiers).
//
// Thread-safe: lookups take a shared lock, changes an exclusive one. Listeners are called
// outside that lock, one revocation at a time, and must not call back into the list.
class RevocationList {
 public:
  using Listener = std::function<void(const RevocationEvent&)>;

  void RevokeToken(absl::string_view token_id, WallTime expires_at);
  void RevokeSession(absl::string_view session_id, WallTime expires_at);
  // Applies an event (from a stream or the store).
  void Apply(const RevocationEvent& event);
  // Returns every entry in force.
  std::vector<RevocationEvent> Snapshot() const;
  // Registers `listener`; returns a handle for Unsubscribe. After Unsubscribe returns, the
  // listener is not running and will not be called again.
  uint64_t Subscribe(Listener listener);
  void Unsubscribe(uint64_t handle);
  // Returns true if either the token or its session is revoked.
  bool IsRevoked(absl::string_view token_id, absl::string_view session_id) const;
  // Forgets entries whose `expires_at` is before `now`.
  void Prune(WallTime now);
  size_t SizeForTest() const;

 private:
  void Notify(const RevocationEvent& event);

  mutable std::shared_mutex mutex_;
  std::mutex listeners_mutex_;
  uint64_t next_listener_ = 1;
  std::map<uint64_t, Listener> listeners_;
  absl::flat_hash_map<std::string, WallTime> tokens_;
  absl::flat_hash_map<std::string, WallTime> sessions_;
};

}  // namespace warden::core
