#include "client/token_source.h"

#include "absl/strings/str_cat.h"

namespace warden::client {

std::shared_ptr<TokenSource> TokenSource::ApiKey(std::string key) {
  std::shared_ptr<TokenSource> source(new TokenSource(nullptr, Options{}, nullptr));
  source->api_key_ = std::move(key);
  return source;
}

std::shared_ptr<TokenSource> TokenSource::Password(std::shared_ptr<AuthClient> auth,
                                                   std::string username, std::string password,
                                                   Options options, const Clock& clock) {
  std::shared_ptr<TokenSource> source(new TokenSource(std::move(auth), std::move(options), &clock));
  source->username_ = std::move(username);
  source->password_ = std::move(password);
  return source;
}

std::shared_ptr<TokenSource> TokenSource::Session(std::shared_ptr<AuthClient> auth, Tokens tokens,
                                                  Options options, const Clock& clock) {
  std::shared_ptr<TokenSource> source(new TokenSource(std::move(auth), std::move(options), &clock));
  source->tokens_ = std::move(tokens);
  return source;
}

TokenSource::Tokens TokenSource::tokens() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

absl::StatusOr<TokenSource::Tokens> TokenSource::Renew(const Tokens& current) {
  const auto now = clock_->WallNow();
  if (!current.refresh_token.empty()) {
    absl::StatusOr<::auth::RefreshTokenResponse> refreshed =
        auth_->RefreshToken(current.refresh_token);
    if (refreshed.ok()) {
      return Tokens{.access_token = refreshed->access_token(),
                    .refresh_token = refreshed->refresh_token().empty()
                                         ? current.refresh_token  // a seed-era server
                                         : refreshed->refresh_token(),
                    .expires_at = now + std::chrono::seconds(refreshed->expires_in())};
    }
    if (refreshed.status().code() != absl::StatusCode::kUnauthenticated) {
      return refreshed.status();  // the server is unreachable or busy: the session may be fine
    }
    if (password_.empty()) {
      return absl::UnauthenticatedError(
          absl::StrCat("the session has ended (signed out, revoked or expired); sign in again: ",
                       refreshed.status().message()));
    }
  }
  if (password_.empty()) {
    return absl::UnauthenticatedError("no session and no password to sign in with");
  }
  absl::StatusOr<::auth::LoginResponse> login = auth_->Login(username_, password_);
  if (!login.ok()) {
    return absl::Status(login.status().code(), absl::StrCat("sign-in as ", username_,
                                                            " failed: ", login.status().message()));
  }
  return Tokens{.access_token = login->access_token(),
                .refresh_token = login->refresh_token(),
                .expires_at = now + std::chrono::seconds(login->expires_in())};
}

absl::StatusOr<std::pair<std::string, std::string>> TokenSource::Header() {
  if (!api_key_.empty()) {
    return std::pair<std::string, std::string>("x-api-key", api_key_);
  }
  std::unique_lock lock(mutex_);
  auto fresh = [&] {
    return !tokens_.access_token.empty() &&
           clock_->WallNow() + options_.refresh_margin < tokens_.expires_at;
  };
  // A renewal failed: an access token that has not expired yet still works while the server is
  // away, but not once the session is known to be gone.
  auto give_up = [&](const absl::Status& error) {
    return error.code() == absl::StatusCode::kUnauthenticated || tokens_.access_token.empty() ||
           clock_->WallNow() >= tokens_.expires_at;
  };
  if (!fresh()) {
    if (renewing_) {
      renewed_.wait(lock, [&] { return !renewing_; });  // single flight: wait for that one
      if (!fresh() && !last_error_.ok() && give_up(last_error_)) {
        return last_error_;
      }
    } else {
      renewing_ = true;
      const Tokens current = tokens_;
      lock.unlock();
      absl::StatusOr<Tokens> renewed = Renew(current);
      lock.lock();
      renewing_ = false;
      last_error_ = renewed.status();
      if (renewed.ok()) {
        tokens_ = *renewed;
      }
      renewed_.notify_all();
      if (!renewed.ok()) {
        if (give_up(renewed.status())) {
          return renewed.status();
        }
      } else if (options_.on_update) {
        const Tokens copy = tokens_;
        lock.unlock();
        options_.on_update(copy);
        lock.lock();
      }
    }
  }
  return std::pair<std::string, std::string>("authorization", "Bearer " + tokens_.access_token);
}

}  // namespace warden::client
