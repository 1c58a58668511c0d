#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

// What happened to a refresh token presented for rotation.
enum class RotateOutcome {
  kRotated,        // exchanged: the old token is spent, `next` is now live
  kKept,           // a kStable session: the token stays live, nothing was written
  kRetried,        // spent within the grace window and its successor is still unused: a retry
                   // (or a race) that gets the same successor, from `sealed_successor`
  kNotFound,       // no such token
  kExpired,        // the session's lifetime is over
  kRevoked,        // the session was revoked (logout or earlier reuse)
  kReuseDetected,  // spent before the grace window, or its successor was used already: the
                   // whole session is now revoked
};

struct RotateRequest {
  std::string presented_hash;
  std::string next_hash;
  std::string sealed_next;  // the next token sealed under the presented one, for a retry
  WallTime now;
  std::chrono::seconds grace{0};
};

struct RotateResult {
  RotateOutcome outcome = RotateOutcome::kNotFound;
  Session session;               // set unless kNotFound
  std::string sealed_successor;  // kRetried: what the first rotation stored as `sealed_next`
  WallTime rotated_at;           // kRetried: when the first rotation happened
};

// Durable sessions (refresh-token families) and revocations. Refresh tokens are stored only as
// hashes. Implementations are thread-safe; any method may return kUnavailable.
class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // Stores a new session with its first refresh token hash.
  virtual absl::Status CreateSession(const Session& session, absl::string_view refresh_hash) = 0;
  // Atomically spends the token with hash `presented_hash` and makes `next_hash` the session's
  // live token (keeping `sealed_next` with the spent one), following RFC 9700 section 4.14.2:
  // presenting the spent token again within `grace` of its spending, while its successor is
  // unused, is kRetried; any other presentation of a spent token revokes the session. A kStable
  // session's token is never spent (kKept). Of concurrent rotations of one token, on any
  // replica, exactly one gets kRotated and the others kRetried.
  virtual absl::StatusOr<RotateResult> Rotate(const RotateRequest& request) = 0;
  // Marks session `id` revoked at `now`. OK if it is already revoked; kNotFound if unknown.
  virtual absl::Status RevokeSession(absl::string_view id, WallTime now) = 0;
  // Returns the sessions of `user_id` that are neither revoked nor expired at `now`, newest
  // first.
  virtual absl::StatusOr<std::vector<Session>> ListUserSessions(absl::string_view user_id,
                                                                WallTime now) = 0;
  // Revokes every live session of `user_id` at `now` and returns those it revoked.
  virtual absl::StatusOr<std::vector<Session>> RevokeUserSessions(absl::string_view user_id,
                                                                  WallTime now) = 0;
  // Remembers that access token `revocation.id` (a jti) is revoked until it expires.
  virtual absl::Status RevokeAccessToken(const Revocation& revocation) = 0;
  // Returns the sessions revoked at or after `since`.
  virtual absl::StatusOr<std::vector<Session>> ListSessionsRevokedSince(WallTime since) = 0;
  // Deletes sessions (with their refresh-token hashes) that expired before `before`, and access
  // token revocations that expired before it. Returns how many rows went.
  virtual absl::StatusOr<int64_t> PurgeExpired(WallTime before) = 0;
  // Returns the revoked access tokens that have not expired at `now`.
  virtual absl::StatusOr<std::vector<Revocation>> ListRevokedAccessTokens(WallTime now) = 0;
};

}  // namespace warden::core
