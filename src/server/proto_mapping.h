#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "auth.pb.h"
#include "core/model.h"

namespace warden::server {

// The only place where the wire messages meet the core types.
core::RegistrationRequest FromRegisterRequest(const ::auth::RegisterRequest& request);
void ToRegisterResponse(const core::User& user, ::auth::RegisterResponse& response);
// nullopt for UNSPECIFIED; kInvalidArgument for a value this server does not know.
absl::StatusOr<std::optional<core::RefreshMode>> FromRefreshTokenMode(
    ::auth::RefreshTokenMode mode);
void ToLoginResponse(const core::TokenPair& tokens, ::auth::LoginResponse& response);
void ToRefreshTokenResponse(const core::TokenPair& tokens, ::auth::RefreshTokenResponse& response);
void ToTokenInfo(const core::AccessClaims& claims, ::auth::TokenInfo& info);

}  // namespace warden::server
