#pragma once

#include "absl/strings/string_view.h"

namespace warden {

// Returns the token of an "authorization" header value "Bearer <token>" (scheme matched
// without regard to case, RFC 7235), or an empty view when the value is not a bearer credential.
absl::string_view BearerToken(absl::string_view authorization);

}  // namespace warden
