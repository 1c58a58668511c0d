#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

inline constexpr size_t kMinUsernameLength = 3;
inline constexpr size_t kMaxUsernameLength = 64;
inline constexpr size_t kMaxEmailLength = 254;
inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 1024;
inline constexpr size_t kMaxFullNameLength = 256;

// Returns OK, or kInvalidArgument naming the first field that breaks the rules:
// username 3..64 of [A-Za-z0-9._-]; a plain addr-spec email; password 8..1024 bytes; full name
// up to 256 bytes; no NUL or control characters anywhere.
absl::Status ValidateRegistration(const RegistrationRequest& request);

// Returns OK, or kInvalidArgument naming `field`: 8..1024 bytes, no NUL or control characters.
absl::Status ValidatePassword(absl::string_view field, absl::string_view password);

// Returns OK, or kInvalidArgument: 1..64 of [a-z0-9_:.-].
absl::Status ValidateRoleName(absl::string_view role);

// Returns the lower-cased (ASCII) form used for uniqueness of usernames and emails.
std::string CaseFoldKey(absl::string_view value);

// Returns true if `value` holds a byte below 0x20 or 0x7f.
bool HasControlCharacter(absl::string_view value);

// Whether `id` can be one of Warden's ids (user, session, API key): 1..64 bytes, no control
// characters. Says nothing of whether it exists.
bool IsWellFormedId(absl::string_view id);

}  // namespace warden::core
