#pragma once

#include <string>
#include <string_view>
#include <vector>

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
  // Returns up to `limit` users ordered by username_key, starting after `after_username_key`
  // (empty: from the first). Deleted users are not listed.
  virtual absl::StatusOr<std::vector<User>> ListUsers(absl::string_view after_username_key,
                                                      size_t limit) = 0;
  // Replaces the roles of user `id`. kNotFound if there is none.
  virtual absl::Status UpdateRoles(absl::string_view id, const std::vector<std::string>& roles) = 0;
  // Disables or enables user `id`. kNotFound if there is none.
  virtual absl::Status SetDisabled(absl::string_view id, bool disabled) = 0;
  // Deletes user `id`: personal data (names, email, password hash) is erased and the username and
  // email become free; the id stays reserved so that old tokens and audit events can never name
  // a different person. FindBy* and ListUsers no longer see it. kNotFound if there is none.
  virtual absl::Status DeleteUser(absl::string_view id, WallTime now) = 0;
  // Returns OK when the backend answers; used by health checks.
  virtual absl::Status Ping() = 0;
};

}  // namespace warden::core
