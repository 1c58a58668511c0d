#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace warden::core {

using WallTime = std::chrono::system_clock::time_point;

// A registered account. `username_key` and `email_key` are the lower-cased forms that
// uniqueness is decided on; `username` and `email` keep what the user typed.
struct User {
  std::string id;
  std::string username;
  std::string username_key;
  std::string email;
  std::string email_key;
  std::string full_name;
  std::string password_hash;
  std::vector<std::string> roles;
  WallTime created_at;
  bool disabled = false;  // a disabled user cannot log in or refresh
};

// How a session's refresh token behaves; fixed at login (docs/adr/0017-refresh-modes.md).
enum class RefreshMode {
  kRotating,  // each refresh spends the token and hands out a successor; reuse revokes
  kStable,    // one token for the session's life (clients built from the seed's proto)
};

// A login session: the family of refresh tokens that descend from one Login.
struct Session {
  std::string id;
  std::string user_id;
  WallTime created_at;
  WallTime expires_at;  // absolute: rotation does not extend it
  std::optional<WallTime> revoked_at;
  RefreshMode refresh_mode = RefreshMode::kRotating;
};

// The claims of an access token, as Warden issues and checks them.
struct AccessClaims {
  std::string issuer;
  std::string audience;
  std::string subject;  // user id
  std::string username;
  std::vector<std::string> roles;
  std::string token_id;    // jti
  std::string session_id;  // sid
  int64_t issued_at = 0;   // iat, seconds since the epoch
  int64_t not_before = 0;  // nbf
  int64_t expires_at = 0;  // exp
};

// What Login and RefreshToken hand back.
struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_in = 0;  // seconds, exp - iat of the access token
  std::string user_id;     // whom they were issued to (not sent on the wire)
  RefreshMode refresh_mode = RefreshMode::kRotating;
};

struct RegistrationRequest {
  std::string username;
  std::string email;
  std::string password;
  std::string full_name;
};

// A revoked access token (by jti) or session (by id), remembered until `expires_at`.
struct Revocation {
  std::string id;
  WallTime expires_at;
};

}  // namespace warden::core
