#include "server/proto_mapping.h"

#include "absl/strings/str_cat.h"

namespace warden::server {

inline constexpr char kTokenType[] = "Bearer";

core::RegistrationRequest FromRegisterRequest(const ::auth::RegisterRequest& request) {
  return core::RegistrationRequest{.username = request.username(),
                                   .email = request.email(),
                                   .password = request.password(),
                                   .full_name = request.full_name()};
}

void ToRegisterResponse(const core::User& user, ::auth::RegisterResponse& response) {
  response.set_user_id(user.id);
  response.set_message("User registered successfully");
}

::auth::RefreshTokenMode ToRefreshTokenMode(core::RefreshMode mode) {
  return mode == core::RefreshMode::kStable ? ::auth::REFRESH_TOKEN_MODE_STABLE
                                            : ::auth::REFRESH_TOKEN_MODE_ROTATING;
}

absl::StatusOr<std::optional<core::RefreshMode>> FromRefreshTokenMode(
    ::auth::RefreshTokenMode mode) {
  switch (mode) {
    case ::auth::REFRESH_TOKEN_MODE_UNSPECIFIED:
      return std::optional<core::RefreshMode>();
    case ::auth::REFRESH_TOKEN_MODE_ROTATING:
      return std::optional<core::RefreshMode>(core::RefreshMode::kRotating);
    case ::auth::REFRESH_TOKEN_MODE_STABLE:
      return std::optional<core::RefreshMode>(core::RefreshMode::kStable);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("refresh_token_mode: unknown value ", static_cast<int>(mode)));
  }
}

void ToLoginResponse(const core::TokenPair& tokens, ::auth::LoginResponse& response) {
  response.set_access_token(tokens.access_token);
  response.set_refresh_token(tokens.refresh_token);
  response.set_token_type(kTokenType);
  response.set_expires_in(tokens.expires_in);
  response.set_refresh_token_mode(ToRefreshTokenMode(tokens.refresh_mode));
}

void ToRefreshTokenResponse(const core::TokenPair& tokens, ::auth::RefreshTokenResponse& response) {
  response.set_access_token(tokens.access_token);
  response.set_token_type(kTokenType);
  response.set_expires_in(tokens.expires_in);
  response.set_refresh_token(tokens.refresh_token);
}

void ToTokenInfo(const core::AccessClaims& claims, ::auth::TokenInfo& info) {
  info.set_user_id(claims.subject);
  info.set_username(claims.username);
  for (const std::string& role : claims.roles) {
    info.add_roles(role);
  }
  info.set_expires_at(claims.expires_at);
}

}  // namespace warden::server
