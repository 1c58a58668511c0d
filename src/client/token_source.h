#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "client/auth_client.h"
#include "common/clock.h"

namespace warden::client {

// A session's tokens, as TokenSource keeps them.
struct SessionTokens {
  std::string access_token;
  std::string refresh_token;
  std::chrono::system_clock::time_point expires_at;
};

struct TokenSourceOptions {
  std::chrono::seconds refresh_margin{30};
  // Called with the new tokens after each sign-in or refresh (the CLI saves them).
  std::function<void(const SessionTokens&)> on_update;
};

// The credential a client's calls carry, kept fresh. With an API key it is constant. With a
// session it holds the access and refresh tokens: refreshes `refresh_margin` before the access
// token expires, keeps the refresh token each answer returns (so a rotating session follows its
// rotation), signs in again with the password when the session ended and a password is known,
// and never runs two refreshes at once (callers that arrive meanwhile wait for the one in
// flight). When the session is gone and no password is known, Header() fails UNAUTHENTICATED
// saying so. Thread-safe.
class TokenSource {
 public:
  using Tokens = SessionTokens;
  using Options = TokenSourceOptions;

  static std::shared_ptr<TokenSource> ApiKey(std::string key);
  // Signs in as `username` on first use. `auth` must not itself use this source. Keeps a
  // reference to `clock`.
  static std::shared_ptr<TokenSource> Password(std::shared_ptr<AuthClient> auth,
                                               std::string username, std::string password,
                                               Options options = {},
                                               const Clock& clock = DefaultClock());
  // Continues an existing session (tokens from an earlier sign-in).
  static std::shared_ptr<TokenSource> Session(std::shared_ptr<AuthClient> auth, Tokens tokens,
                                              Options options = {},
                                              const Clock& clock = DefaultClock());

  // The header to send: ("authorization", "Bearer ...") or ("x-api-key", ...).
  absl::StatusOr<std::pair<std::string, std::string>> Header();
  // The current tokens (empty for an API key).
  Tokens tokens() const;

 private:
  TokenSource(std::shared_ptr<AuthClient> auth, Options options, const Clock* clock)
      : auth_(std::move(auth)), options_(std::move(options)), clock_(clock) {}
  absl::StatusOr<Tokens> Renew(const Tokens& current);

  std::string api_key_;
  std::shared_ptr<AuthClient> auth_;
  std::string username_;
  std::string password_;
  const Options options_;
  const Clock* clock_;

  mutable std::mutex mutex_;
  std::condition_variable renewed_;
  Tokens tokens_;
  bool renewing_ = false;
  absl::Status last_error_;
};

}  // namespace warden::client
