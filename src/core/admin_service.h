#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "core/model.h"
#include "core/policy.h"
#include "core/ports/audit.h"
#include "core/ports/password_hasher.h"
#include "core/ports/random_source.h"
#include "core/ports/session_store.h"
#include "core/ports/user_store.h"
#include "core/revocation_list.h"

namespace warden::core {

// A page of users and where the next page starts (empty: this was the last).
struct UserPage {
  std::vector<User> users;
  std::string next_page_token;
};

// User administration and self-service account changes. Every change that must take effect at
// once (roles, disable, delete, password) revokes the user's sessions, and with them the access
// tokens issued to them: a demoted admin's token stops working now, not when it expires.
// Authorization is the caller's business (the policy); `actor` is recorded in the audit trail.
//
// Thread-safe. Keeps references to every port; they must outlive it.
class AdminService {
 public:
  struct Ports {
    UserStore& users;
    SessionStore& sessions;
    PasswordHasher& hasher;
    RandomSource& random;
    RevocationList& revocations;
    const Clock& clock;
    AuditSink* audit = nullptr;
  };
  struct Options {
    // How long a revoked session's access tokens may still be presented: access TTL + leeway.
    std::chrono::seconds revocation_ttl = std::chrono::minutes(15) + std::chrono::seconds(30);
    size_t max_page_size = 500;
  };

  AdminService(Ports ports, Options options) : ports_(ports), options_(options) {}

  // Users ordered by lower-cased username. `page_size` 0 means 100.
  absl::StatusOr<UserPage> ListUsers(absl::string_view page_token, size_t page_size);
  absl::StatusOr<User> GetUser(absl::string_view user_id);
  // Creates a user with `roles` (validated like Register, roles like SetRoles).
  absl::StatusOr<User> CreateUser(const Principal& actor, const RegistrationRequest& request,
                                  std::vector<std::string> roles);
  // Replaces the roles (each validated) and revokes the user's sessions.
  absl::StatusOr<User> SetRoles(const Principal& actor, absl::string_view user_id,
                                std::vector<std::string> roles);
  // Disabling revokes every session; a disabled user cannot log in or refresh.
  absl::StatusOr<User> SetDisabled(const Principal& actor, absl::string_view user_id,
                                   bool disabled);
  absl::Status DeleteUser(const Principal& actor, absl::string_view user_id);
  // Sets a new password (validated) and revokes every session.
  absl::Status SetPassword(const Principal& actor, absl::string_view user_id,
                           absl::string_view new_password);
  absl::StatusOr<std::vector<Session>> ListSessions(absl::string_view user_id);
  absl::Status RevokeSession(const Principal& actor, absl::string_view session_id);
  // Returns how many sessions were revoked.
  absl::StatusOr<int64_t> RevokeUserSessions(const Principal& actor, absl::string_view user_id);

  // Self-service: a user changes their own password, proving the current one. Every other
  // session of theirs is revoked; the one making the call stays.
  absl::Status ChangePassword(const Principal& user, absl::string_view current_password,
                              absl::string_view new_password);

 private:
  // Revokes every live session of `user_id`, in the store and in memory. Returns the count.
  absl::StatusOr<int64_t> RevokeAll(absl::string_view user_id, absl::string_view keep_session);
  void Audit(absl::string_view type, const Principal& actor, const User& subject,
             absl::string_view detail);

  Ports ports_;
  const Options options_;
};

}  // namespace warden::core
