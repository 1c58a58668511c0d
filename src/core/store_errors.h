#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

// A store failure as callers see it: outages stay kUnavailable (retryable) with a generic
// message; kNotFound becomes kNotFound with `not_found` when one is given; everything else is a
// generic kInternal, so no detail of the backend leaks.
absl::Status FromStore(const absl::Status& status, absl::string_view not_found = "");

// The record of a new account from a validated request: case-folded keys, the given id, hash,
// roles and creation time.
User NewUserRecord(std::string id, const RegistrationRequest& request, std::string password_hash,
                   std::vector<std::string> roles, WallTime now);

}  // namespace warden::core
