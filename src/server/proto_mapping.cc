#include "server/proto_mapping.h"

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

void ToLoginResponse(const core::TokenPair& tokens, ::auth::LoginResponse& response) {
  response.set_access_token(tokens.access_token);
  response.set_refresh_token(tokens.refresh_token);
  response.set_token_type(kTokenType);
  response.set_expires_in(tokens.expires_in);
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
