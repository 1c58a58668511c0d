#include "core/auth_service.h"

#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "common/call_context.h"
#include "common/retry_after.h"
#include "core/store_errors.h"
#include "core/validation.h"

namespace warden::core {
namespace {

constexpr absl::string_view kRefreshTokenPrefix = "wrt_";
constexpr size_t kRefreshTokenBytes = 32;  // 256 bits
constexpr size_t kMaxRefreshTokenLength = 128;

int64_t ToSeconds(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

absl::Status InvalidCredentials() { return absl::UnauthenticatedError(kInvalidCredentials); }
absl::Status InvalidToken() { return absl::UnauthenticatedError(kInvalidToken); }

}  // namespace

std::string NewUuidV4(RandomSource& random) {
  std::string b = random.Bytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0f) | 0x40);
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3f) | 0x80);
  const std::string hex = absl::BytesToHexString(b);
  return absl::StrFormat("%s-%s-%s-%s-%s", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                         hex.substr(16, 4), hex.substr(20, 12));
}

absl::StatusOr<std::unique_ptr<AuthService>> AuthService::Create(Ports ports, Options options) {
  return std::unique_ptr<AuthService>(new AuthService(ports, std::move(options)));
}

AuthService::AuthService(Ports ports, Options options)
    : ports_(ports),
      options_(std::move(options)),
      validator_(ports.codec, ports.revocations, ports.clock,
                 AccessTokenValidator::Options{.issuer = options_.issuer,
                                               .audience = options_.audience,
                                               .leeway = options_.leeway,
                                               .cache_capacity = options_.verified_cache_capacity}),
      events_(ports.events != nullptr ? *ports.events : no_events_) {}

void AuthService::Audit(absl::string_view type, const std::string& user_id,
                        const std::string& username, const std::string& session_id,
                        absl::string_view detail) {
  if (ports_.audit == nullptr) {
    return;
  }
  ports_.audit->Record(AuditEvent{.at = ports_.clock.WallNow(),
                                  .type = std::string(type),
                                  .user_id = user_id,
                                  .username = username,
                                  .session_id = session_id,
                                  .detail = std::string(detail),
                                  .trace_id = std::string(CurrentTraceId())});
}

std::string AuthService::NewRefreshToken() {
  return absl::StrCat(kRefreshTokenPrefix,
                      absl::WebSafeBase64Escape(ports_.random.Bytes(kRefreshTokenBytes)));
}

std::string AuthService::NewId() { return NewUuidV4(ports_.random); }

absl::StatusOr<User> AuthService::Register(const RegistrationRequest& request) {
  if (absl::Status valid = ValidateRegistration(request); !valid.ok()) {
    return valid;
  }
  const auto hash_started = ports_.clock.SteadyNow();
  absl::StatusOr<std::string> hash = ports_.hasher.Hash(request.password);
  events_.OnPasswordHash(ports_.clock.SteadyNow() - hash_started);
  if (!hash.ok()) {
    return absl::InternalError("could not hash password");
  }
  User user = NewUserRecord(NewId(), request, *std::move(hash), options_.default_roles,
                            ports_.clock.WallNow());
  if (absl::Status created = ports_.users.Create(user); !created.ok()) {
    events_.OnRegister(false);
    if (created.code() == absl::StatusCode::kAlreadyExists) {
      return created;
    }
    return FromStore(created);
  }
  events_.OnRegister(true);
  Audit("register", user.id, user.username, "");
  return user;
}

absl::StatusOr<TokenPair> AuthService::Login(absl::string_view username, absl::string_view password,
                                             absl::string_view peer,
                                             std::optional<RefreshMode> refresh_mode) {
  if (refresh_mode == RefreshMode::kStable && options_.refresh_policy == RefreshPolicy::kAlways) {
    events_.OnLogin(LoginResult::kInvalidArgument);
    return absl::InvalidArgumentError(
        "refresh_token_mode: this server rotates every refresh token; STABLE is not allowed");
  }
  const RefreshMode mode = refresh_mode.value_or(options_.refresh_policy == RefreshPolicy::kAlways
                                                     ? RefreshMode::kRotating
                                                     : RefreshMode::kStable);
  bool throttled = false;
  absl::StatusOr<TokenPair> result = LoginInternal(username, password, peer, mode, throttled);
  if (throttled) {
    events_.OnLogin(LoginResult::kThrottled);
    return result;
  }
  switch (result.status().code()) {
    case absl::StatusCode::kOk:
      events_.OnLogin(LoginResult::kSuccess);
      events_.OnTokenIssued(TokenKind::kAccess);
      events_.OnTokenIssued(TokenKind::kRefresh);
      break;
    case absl::StatusCode::kUnauthenticated:
      events_.OnLogin(LoginResult::kInvalidCredentials);
      break;
    case absl::StatusCode::kInvalidArgument:
      events_.OnLogin(LoginResult::kInvalidArgument);
      break;
    case absl::StatusCode::kResourceExhausted:
      events_.OnLogin(LoginResult::kThrottled);
      break;
    default:
      events_.OnLogin(LoginResult::kError);
  }
  return result;
}

void AuthService::SpendAPasswordCheck(absl::string_view password) {
  bool made_now = false;
  absl::call_once(dummy_once_, [this, &made_now] {
    const auto started = ports_.clock.SteadyNow();
    absl::StatusOr<std::string> dummy =
        ports_.hasher.Hash(absl::WebSafeBase64Escape(ports_.random.Bytes(24)));
    events_.OnPasswordHash(ports_.clock.SteadyNow() - started);
    dummy_hash_ = dummy.ok() ? *std::move(dummy) : "";
    made_now = true;
  });
  if (made_now) {
    return;
  }
  if (dummy_hash_.empty()) {
    // The dummy could not be made: a hash of this password costs the same as a check.
    (void)ports_.hasher.Hash(password);
    return;
  }
  (void)TimedVerify(password, dummy_hash_);
}

absl::StatusOr<bool> AuthService::TimedVerify(absl::string_view password, absl::string_view hash) {
  const auto started = ports_.clock.SteadyNow();
  absl::StatusOr<bool> matches = ports_.hasher.Verify(password, hash);
  events_.OnPasswordHash(ports_.clock.SteadyNow() - started);
  return matches;
}

void AuthService::RecordLoginFailure(absl::string_view account, absl::string_view peer) {
  if (ports_.throttle == nullptr) {
    return;
  }
  const LoginThrottle::FailureOutcome outcome = ports_.throttle->RecordFailure(account, peer);
  if (outcome.account_locked) {
    events_.OnLockout(LockoutScope::kAccount);
    Audit("account_locked", "", std::string(account), "", "too many failed logins");
  }
  if (outcome.peer_locked) {
    events_.OnLockout(LockoutScope::kPeer);
    Audit("address_locked", "", "", "", absl::StrCat("too many failed logins from ", peer));
  }
}

absl::StatusOr<TokenPair> AuthService::LoginInternal(absl::string_view username,
                                                     absl::string_view password,
                                                     absl::string_view peer,
                                                     RefreshMode refresh_mode, bool& throttled) {
  if (username.empty() || password.empty()) {
    return absl::InvalidArgumentError("username and password are required");
  }
  if (password.size() > kMaxPasswordLength) {
    return absl::InvalidArgumentError("password: must be at most 1024 bytes");
  }
  const std::string account = CaseFoldKey(username.substr(0, kMaxUsernameLength));
  if (ports_.throttle != nullptr) {
    const ThrottleDecision decision = ports_.throttle->Check(account, peer);
    throttled = decision.verdict != ThrottleDecision::Verdict::kAllow;
    switch (decision.verdict) {
      case ThrottleDecision::Verdict::kAllow:
        break;
      case ThrottleDecision::Verdict::kPeerThrottled:
        Audit("login_failure", "", account, "", "address_throttled");
        return WithRetryAfter(
            absl::ResourceExhaustedError("too many failed logins from this address, retry later"),
            decision.retry_after);
      case ThrottleDecision::Verdict::kAccountDelayed:
      case ThrottleDecision::Verdict::kAccountLocked:
        // Decided before the password is looked at, from failures alone, and the same for a
        // made-up name: it tells nothing about the account or the password.
        Audit("login_failure", "", account, "",
              decision.verdict == ThrottleDecision::Verdict::kAccountLocked ? "account_locked"
                                                                            : "throttled");
        return WithRetryAfter(absl::ResourceExhaustedError(
                                  "too many failed logins for this account from this address, "
                                  "retry later"),
                              decision.retry_after);
      case ThrottleDecision::Verdict::kAccountCapped:
        Audit("login_failure", "", account, "", "account_capped");
        return WithRetryAfter(
            absl::ResourceExhaustedError("too many failed logins for this account, retry later"),
            decision.retry_after);
    }
  }
  absl::StatusOr<User> user = absl::NotFoundError("");
  if (username.size() <= kMaxUsernameLength) {
    user = ports_.users.FindByUsernameKey(CaseFoldKey(username));
  }
  if (!user.ok()) {
    if (user.status().code() != absl::StatusCode::kNotFound) {
      return FromStore(user.status());
    }
    // Spend the same time as a real check, so response time does not tell who exists.
    SpendAPasswordCheck(password);
    Audit("login_failure", "", std::string(username.substr(0, kMaxUsernameLength)), "",
          "unknown_user");
    RecordLoginFailure(account, peer);
    return InvalidCredentials();
  }
  absl::StatusOr<bool> matches = TimedVerify(password, user->password_hash);
  if (!matches.ok()) {
    return absl::InternalError("stored credential is unreadable");
  }
  if (!*matches) {
    Audit("login_failure", user->id, user->username, "", "wrong_password");
    RecordLoginFailure(account, peer);
    return InvalidCredentials();
  }
  if (ports_.throttle != nullptr) {
    ports_.throttle->RecordSuccess(account, peer);
  }
  if (user->disabled) {
    Audit("login_failure", user->id, user->username, "", "disabled");
    return InvalidCredentials();
  }
  if (ports_.hasher.NeedsRehash(user->password_hash)) {
    absl::StatusOr<std::string> rehashed = ports_.hasher.Hash(password);
    if (rehashed.ok()) {
      // Best effort: the login succeeds even if the upgrade cannot be stored now.
      (void)ports_.users.UpdatePasswordHash(user->id, *rehashed);
    }
  }

  const WallTime now = ports_.clock.WallNow();
  Session session{
      .id = NewId(),
      .user_id = user->id,
      .created_at = now,
      .expires_at = now + options_.refresh_ttl,
      .revoked_at = std::nullopt,
      .refresh_mode = refresh_mode,
  };
  std::string refresh_token = NewRefreshToken();
  if (absl::Status created =
          ports_.sessions.CreateSession(session, ports_.token_hasher.Hash(refresh_token));
      !created.ok()) {
    return FromStore(created);
  }
  Audit("login_success", user->id, user->username, session.id);
  return IssueTokens(*user, session, std::move(refresh_token));
}

absl::StatusOr<TokenPair> AuthService::IssueTokens(const User& user, const Session& session,
                                                   std::string refresh_token,
                                                   std::optional<int64_t> expires_at) {
  const int64_t now = ToSeconds(ports_.clock.WallNow());
  AccessClaims claims{
      .issuer = options_.issuer,
      .audience = options_.audience,
      .subject = user.id,
      .username = user.username,
      .roles = user.roles,
      .token_id = absl::WebSafeBase64Escape(ports_.random.Bytes(16)),
      .session_id = session.id,
      .issued_at = now,
      .not_before = now,
      .expires_at = expires_at.value_or(now + options_.access_ttl.count()),
  };
  absl::StatusOr<std::string> access = ports_.codec.Sign(claims);
  if (!access.ok()) {
    return absl::InternalError("could not sign access token");
  }
  return TokenPair{
      .access_token = *std::move(access),
      .refresh_token = std::move(refresh_token),
      .expires_in = claims.expires_at - claims.issued_at,
      .user_id = user.id,
      .refresh_mode = session.refresh_mode,
  };
}

absl::StatusOr<TokenPair> AuthService::RefreshToken(absl::string_view refresh_token) {
  absl::StatusOr<TokenPair> result = RefreshInternal(refresh_token);
  if (result.ok()) {
    events_.OnTokenIssued(TokenKind::kAccess);
    if (result->refresh_mode == RefreshMode::kRotating) {
      events_.OnTokenIssued(TokenKind::kRefresh);
    }
  } else if (result.status().code() != absl::StatusCode::kUnauthenticated) {
    events_.OnRefresh(result.status().code() == absl::StatusCode::kInvalidArgument
                          ? RefreshResult::kInvalid
                          : RefreshResult::kError);
  }
  return result;
}

absl::StatusOr<TokenPair> AuthService::RefreshInternal(absl::string_view refresh_token) {
  if (refresh_token.empty()) {
    return absl::InvalidArgumentError("refresh_token is required");
  }
  if (refresh_token.size() > kMaxRefreshTokenLength ||
      !absl::StartsWith(refresh_token, kRefreshTokenPrefix)) {
    events_.OnRefresh(RefreshResult::kInvalid);
    return InvalidToken();
  }
  const WallTime now = ports_.clock.WallNow();
  std::string next = NewRefreshToken();
  RotateRequest request{.presented_hash = ports_.token_hasher.Hash(refresh_token),
                        .next_hash = ports_.token_hasher.Hash(next),
                        .sealed_next = ports_.sealer.Seal(refresh_token, next),
                        .now = now,
                        .grace = options_.refresh_reuse_grace};
  absl::StatusOr<RotateResult> rotated = ports_.sessions.Rotate(request);
  if (!rotated.ok()) {
    return FromStore(rotated.status());
  }
  std::optional<int64_t> access_expiry;
  absl::string_view detail;
  switch (rotated->outcome) {
    case RotateOutcome::kRotated:
      events_.OnRefresh(RefreshResult::kRotated);
      break;
    case RotateOutcome::kKept:
      events_.OnRefresh(RefreshResult::kKept);
      next = std::string(refresh_token);
      break;
    case RotateOutcome::kRetried: {
      std::optional<std::string> successor =
          ports_.sealer.Open(refresh_token, rotated->sealed_successor);
      if (!successor.has_value()) {
        events_.OnRefresh(RefreshResult::kInvalid);
        return InvalidToken();
      }
      events_.OnRefresh(RefreshResult::kRetried);
      next = *std::move(successor);
      // A retry never lives longer than the answer it repeats.
      access_expiry = ToSeconds(rotated->rotated_at + options_.access_ttl);
      detail = "retry within the grace window";
      break;
    }
    case RotateOutcome::kReuseDetected:
      // The family is compromised: its access tokens stop validating too.
      ports_.revocations.RevokeSession(rotated->session.id,
                                       now + options_.access_ttl + options_.leeway);
      events_.OnRefresh(RefreshResult::kReuseDetected);
      Audit("refresh_reuse_detected", rotated->session.user_id, "", rotated->session.id,
            "session revoked");
      return InvalidToken();
    case RotateOutcome::kExpired:
      events_.OnRefresh(RefreshResult::kExpired);
      return InvalidToken();
    case RotateOutcome::kRevoked:
      events_.OnRefresh(RefreshResult::kRevoked);
      return InvalidToken();
    case RotateOutcome::kNotFound:
      events_.OnRefresh(RefreshResult::kInvalid);
      return InvalidToken();
  }
  absl::StatusOr<User> user = ports_.users.FindById(rotated->session.user_id);
  if (!user.ok()) {
    if (user.status().code() == absl::StatusCode::kNotFound) {
      return InvalidToken();
    }
    return FromStore(user.status());
  }
  if (user->disabled) {
    // Disabling revokes sessions; this covers a rotation that raced the disable.
    return InvalidToken();
  }
  Audit("refresh", user->id, user->username, rotated->session.id, detail);
  return IssueTokens(*user, rotated->session, std::move(next), access_expiry);
}

absl::StatusOr<AccessClaims> AuthService::Validate(absl::string_view access_token) const {
  absl::StatusOr<AccessClaims> claims = validator_.Validate(access_token);
  events_.OnValidation(claims.ok());
  return claims;
}

absl::Status AuthService::Logout(absl::string_view access_token) {
  absl::StatusOr<AccessClaims> claims = Validate(access_token);
  if (!claims.ok()) {
    return claims.status();
  }
  const WallTime token_expiry =
      WallTime(std::chrono::seconds(claims->expires_at)) + options_.leeway;
  if (!claims->session_id.empty()) {
    absl::Status revoked =
        ports_.sessions.RevokeSession(claims->session_id, ports_.clock.WallNow());
    if (!revoked.ok() && revoked.code() != absl::StatusCode::kNotFound) {
      return FromStore(revoked);
    }
  }
  if (absl::Status stored = ports_.sessions.RevokeAccessToken(
          Revocation{.id = claims->token_id, .expires_at = token_expiry});
      !stored.ok()) {
    return FromStore(stored);
  }
  ports_.revocations.RevokeToken(claims->token_id, token_expiry);
  events_.OnLogout();
  Audit("logout", claims->subject, claims->username, claims->session_id);
  if (!claims->session_id.empty()) {
    // Access tokens of this session live at most access_ttl after the revocation.
    ports_.revocations.RevokeSession(
        claims->session_id, ports_.clock.WallNow() + options_.access_ttl + options_.leeway);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> AuthService::PurgeExpired() {
  const WallTime now = ports_.clock.WallNow();
  ports_.revocations.Prune(now);
  // An access token can outlive its session's expiry by access_ttl (+ leeway).
  return ports_.sessions.PurgeExpired(now - options_.access_ttl - options_.leeway);
}

absl::Status AuthService::LoadRevocations() {
  const WallTime now = ports_.clock.WallNow();
  absl::StatusOr<std::vector<Revocation>> tokens = ports_.sessions.ListRevokedAccessTokens(now);
  if (!tokens.ok()) {
    return tokens.status();
  }
  for (const Revocation& r : *tokens) {
    ports_.revocations.RevokeToken(r.id, r.expires_at);
  }
  // An access token outlives its session's revocation by at most access_ttl (+ leeway).
  const auto reach = options_.access_ttl + options_.leeway;
  absl::StatusOr<std::vector<Session>> sessions =
      ports_.sessions.ListSessionsRevokedSince(now - reach);
  if (!sessions.ok()) {
    return sessions.status();
  }
  for (const Session& s : *sessions) {
    ports_.revocations.RevokeSession(s.id, s.revoked_at.value_or(now) + reach);
  }
  return absl::OkStatus();
}

}  // namespace warden::core
