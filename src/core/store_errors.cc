#include "core/store_errors.h"

#include "core/validation.h"

namespace warden::core {

absl::Status FromStore(const absl::Status& status, absl::string_view not_found) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return absl::UnavailableError("storage temporarily unavailable, retry later");
    case absl::StatusCode::kNotFound:
      if (!not_found.empty()) {
        return absl::NotFoundError(not_found);
      }
      [[fallthrough]];
    default:
      return absl::InternalError("internal storage error");
  }
}

User NewUserRecord(std::string id, const RegistrationRequest& request, std::string password_hash,
                   std::vector<std::string> roles, WallTime now) {
  return User{.id = std::move(id),
              .username = request.username,
              .username_key = CaseFoldKey(request.username),
              .email = request.email,
              .email_key = CaseFoldKey(request.email),
              .full_name = request.full_name,
              .password_hash = std::move(password_hash),
              .roles = std::move(roles),
              .created_at = now};
}

}  // namespace warden::core
