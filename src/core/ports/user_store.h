#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

// Durable user accounts. Implementations are thread-safe; any method may return kUnavailable
// when the backend cannot be reached.
class UserStore {
 public:
  virtual ~UserStore() = default;
  // Stores `user`. Returns kAlreadyExists, naming the field, if its username_key or email_key is
  // taken. Atomic: of concurrent creates with one key, exactly one succeeds.
  virtual absl::Status Create(const User& user) = 0;
  // Returns kNotFound if no user has this lower-cased username.
  virtual absl::StatusOr<User> FindByUsernameKey(absl::string_view username_key) = 0;
  // Returns kNotFound if no user has `id`.
  virtual absl::StatusOr<User> FindById(absl::string_view id) = 0;
  // Replaces the password hash of user `id` (rehash on login). kNotFound if there is none.
  virtual absl::Status UpdatePasswordHash(absl::string_view id,
                                          absl::string_view password_hash) = 0;
  // Returns OK when the backend answers; used by health checks.
  virtual absl::Status Ping() = 0;
};

}  // namespace warden::core
