#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "core/access_token_validator.h"
#include "core/model.h"
#include "core/ports/access_token_codec.h"
#include "core/ports/audit.h"
#include "core/ports/auth_events.h"
#include "core/ports/credential_verifiers.h"
#include "core/ports/login_throttle.h"
#include "core/ports/password_hasher.h"
#include "core/ports/random_source.h"
#include "core/ports/session_store.h"
#include "core/ports/user_store.h"
#include "core/revocation_list.h"

namespace warden::core {

// The one message for every failed credential or token check: no oracle.
inline constexpr absl::string_view kInvalidCredentials = "invalid username or password";

// The use cases of the seed's AuthService: register, login, refresh with rotation and reuse
// detection, validate, logout.
//
// Thread-safe. Keeps references to every port passed in and to `clock`; they must outlive it.
// Register, Login, RefreshToken and Logout do slow work (hashing, store I/O); Validate does no
// I/O and no writes.
class AuthService final : public AccessTokenVerifier {
 public:
  // Which sessions rotate their refresh token (docs/adr/0017-refresh-modes.md).
  enum class RefreshPolicy {
    kRequested,  // a session rotates when its Login asks for it; others are kStable
    kAlways,     // every session rotates; a Login asking for kStable is refused
  };

  struct Options {
    std::string issuer = "warden";
    std::string audience = "warden";
    std::chrono::seconds access_ttl = std::chrono::minutes(15);
    std::chrono::seconds refresh_ttl = std::chrono::hours(24 * 7);
    std::chrono::seconds refresh_reuse_grace = std::chrono::seconds(10);
    RefreshPolicy refresh_policy = RefreshPolicy::kRequested;
    std::chrono::seconds leeway = std::chrono::seconds(30);
    std::vector<std::string> default_roles = {"user"};
    size_t verified_cache_capacity = 16384;
  };

  struct Ports {
    UserStore& users;
    SessionStore& sessions;
    PasswordHasher& hasher;
    AccessTokenCodec& codec;
    RandomSource& random;
    TokenHasher& token_hasher;
    const TokenSealer& sealer;
    RevocationList& revocations;
    const Clock& clock;
    AuthEvents* events = nullptr;       // optional
    AuditSink* audit = nullptr;         // optional
    LoginThrottle* throttle = nullptr;  // optional brute-force protection
  };

  static absl::StatusOr<std::unique_ptr<AuthService>> Create(Ports ports, Options options);

  // Returns the new user, or kInvalidArgument (naming the field) / kAlreadyExists.
  absl::StatusOr<User> Register(const RegistrationRequest& request);
  // Returns a token pair, or kUnauthenticated with kInvalidCredentials (also for a disabled
  // account: no oracle), or kResourceExhausted with a retry hint when brute-force protection
  // holds the attempt back (checked before the password, so it tells nothing about it).
  // `peer` is the client address (may be empty); `refresh_mode` what the client asked for
  // (nullopt: the policy's default); kInvalidArgument if the policy does not allow it.
  absl::StatusOr<TokenPair> Login(absl::string_view username, absl::string_view password,
                                  absl::string_view peer = "",
                                  std::optional<RefreshMode> refresh_mode = std::nullopt);
  // Exchanges `refresh_token` for a new access token, and a successor refresh token if the
  // session rotates (a retry within the grace window gets the same successor again); a stable
  // session keeps its token. kUnauthenticated for any failure.
  absl::StatusOr<TokenPair> RefreshToken(absl::string_view refresh_token);
  // Returns the claims of a valid, unrevoked access token; kUnauthenticated with kInvalidToken.
  absl::StatusOr<AccessClaims> Validate(absl::string_view access_token) const override;
  // Revokes the session of `access_token` and the token itself.
  absl::Status Logout(absl::string_view access_token);

  // Loads revocations from the session store into the in-memory list (at startup).
  absl::Status LoadRevocations();
  // Housekeeping: forgets expired revocations in memory and deletes sessions and revocations
  // from the store once no token they cover can still be valid. Returns rows deleted.
  absl::StatusOr<int64_t> PurgeExpired();

  // Drops every cached signature verification (after a signing key stopped being trusted).
  void ForgetVerifiedTokens() { validator_.ForgetVerifiedTokens(); }

  const Options& options() const { return options_; }

 private:
  AuthService(Ports ports, Options options);
  // `expires_at` (seconds since the epoch) overrides the access token's usual expiry.
  absl::StatusOr<TokenPair> IssueTokens(const User& user, const Session& session,
                                        std::string refresh_token,
                                        std::optional<int64_t> expires_at = std::nullopt);
  std::string NewRefreshToken();
  // Sets `throttled` when brute-force protection refused the attempt.
  absl::StatusOr<TokenPair> LoginInternal(absl::string_view username, absl::string_view password,
                                          absl::string_view peer, RefreshMode refresh_mode,
                                          bool& throttled);
  // A failed password check: counts it against the account and address.
  void RecordLoginFailure(absl::string_view account, absl::string_view peer);
  absl::StatusOr<TokenPair> RefreshInternal(absl::string_view refresh_token);
  // Hashes or verifies, timing it for OnPasswordHash.
  absl::StatusOr<bool> TimedVerify(absl::string_view password, absl::string_view hash);
  // Spends the time of one password check on a hash nobody's password matches, so the answer
  // for an unknown user takes as long as for a known one. That hash is made on first need, not
  // at start-up (a whole hash, about 20 ms of every start); the caller that makes it has spent
  // the time of a check making it.
  void SpendAPasswordCheck(absl::string_view password);
  std::string NewId();

  Ports ports_;
  const Options options_;
  absl::once_flag dummy_once_;
  std::string dummy_hash_;  // written once, under dummy_once_
  AccessTokenValidator validator_;
  void Audit(absl::string_view type, const std::string& user_id, const std::string& username,
             const std::string& session_id, absl::string_view detail = "");

  NoAuthEvents no_events_;
  AuthEvents& events_;
};

// Returns a random RFC 4122 version 4 UUID in canonical text form.
std::string NewUuidV4(RandomSource& random);

}  // namespace warden::core
