#include "core/admin_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/call_context.h"
#include "core/auth_service.h"
#include "core/store_errors.h"
#include "core/validation.h"

namespace warden::core {
namespace {

constexpr size_t kDefaultPageSize = 100;
constexpr size_t kMaxRoles = 32;

absl::Status CheckUserId(absl::string_view user_id) {
  if (user_id.empty()) {
    return absl::InvalidArgumentError("user_id: is required");
  }
  if (!IsWellFormedId(user_id)) {
    return absl::InvalidArgumentError("user_id: is not a valid id");
  }
  return absl::OkStatus();
}

// Who did it, as the audit trail says: "by user root (3f2a...)".
std::string ActorText(const Principal& actor) {
  return absl::StrCat("by ", PrincipalKindName(actor.kind), " ", actor.name, " (", actor.id, ")");
}

}  // namespace

void AdminService::Audit(absl::string_view type, const Principal& actor, const User& subject,
                         absl::string_view detail) {
  if (ports_.audit == nullptr) {
    return;
  }
  ports_.audit->Record(
      AuditEvent{.at = ports_.clock.WallNow(),
                 .type = std::string(type),
                 .user_id = subject.id,
                 .username = subject.username,
                 .detail = absl::StrCat(detail, detail.empty() ? "" : "; ", ActorText(actor)),
                 .trace_id = std::string(CurrentTraceId())});
}

absl::StatusOr<UserPage> AdminService::ListUsers(absl::string_view page_token, size_t page_size) {
  if (page_token.size() > kMaxUsernameLength || HasControlCharacter(page_token)) {
    return absl::InvalidArgumentError("page_token: is not a token this server gave out");
  }
  const size_t size =
      page_size == 0 ? kDefaultPageSize : std::min(page_size, options_.max_page_size);
  absl::StatusOr<std::vector<User>> users = ports_.users.ListUsers(page_token, size + 1);
  if (!users.ok()) {
    return FromStore(users.status(), "");
  }
  UserPage page;
  if (users->size() > size) {
    users->resize(size);
    page.next_page_token = users->back().username_key;
  }
  page.users = *std::move(users);
  return page;
}

absl::StatusOr<User> AdminService::GetUser(absl::string_view user_id) {
  if (absl::Status valid = CheckUserId(user_id); !valid.ok()) {
    return valid;
  }
  absl::StatusOr<User> user = ports_.users.FindById(user_id);
  if (!user.ok()) {
    return FromStore(user.status(), "user_id: no such user");
  }
  return user;
}

absl::StatusOr<User> AdminService::CreateUser(const Principal& actor,
                                              const RegistrationRequest& request,
                                              std::vector<std::string> roles) {
  if (absl::Status valid = ValidateRegistration(request); !valid.ok()) {
    return valid;
  }
  for (const std::string& role : roles) {
    if (absl::Status valid = ValidateRoleName(role); !valid.ok()) {
      return valid;
    }
  }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  absl::StatusOr<std::string> hash = ports_.hasher.Hash(request.password);
  if (!hash.ok()) {
    return absl::InternalError("could not hash password");
  }
  User user = NewUserRecord(NewUuidV4(ports_.random), request, *std::move(hash), std::move(roles),
                            ports_.clock.WallNow());
  if (absl::Status created = ports_.users.Create(user); !created.ok()) {
    return created.code() == absl::StatusCode::kAlreadyExists ? created : FromStore(created, "");
  }
  Audit("user_created", actor, user, absl::StrCat("roles [", absl::StrJoin(user.roles, ","), "]"));
  return user;
}

absl::StatusOr<int64_t> AdminService::RevokeAll(absl::string_view user_id,
                                                absl::string_view keep_session) {
  const WallTime now = ports_.clock.WallNow();
  if (!keep_session.empty()) {
    // Revoke the others one by one, so the caller's own session stays.
    absl::StatusOr<std::vector<Session>> live = ports_.sessions.ListUserSessions(user_id, now);
    if (!live.ok()) {
      return FromStore(live.status(), "");
    }
    int64_t revoked = 0;
    for (const Session& session : *live) {
      if (session.id == keep_session) {
        continue;
      }
      if (absl::Status s = ports_.sessions.RevokeSession(session.id, now);
          !s.ok() && s.code() != absl::StatusCode::kNotFound) {
        return FromStore(s, "");
      }
      ports_.revocations.RevokeSession(session.id, now + options_.revocation_ttl);
      ++revoked;
    }
    return revoked;
  }
  absl::StatusOr<std::vector<Session>> revoked = ports_.sessions.RevokeUserSessions(user_id, now);
  if (!revoked.ok()) {
    return FromStore(revoked.status(), "");
  }
  for (const Session& session : *revoked) {
    ports_.revocations.RevokeSession(session.id, now + options_.revocation_ttl);
  }
  return static_cast<int64_t>(revoked->size());
}

absl::StatusOr<User> AdminService::SetRoles(const Principal& actor, absl::string_view user_id,
                                            std::vector<std::string> roles) {
  if (roles.size() > kMaxRoles) {
    return absl::InvalidArgumentError("roles: at most 32 roles");
  }
  for (const std::string& role : roles) {
    if (absl::Status valid = ValidateRoleName(role); !valid.ok()) {
      return valid;
    }
  }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  absl::StatusOr<User> user = GetUser(user_id);
  if (!user.ok()) {
    return user.status();
  }
  if (absl::Status s = ports_.users.UpdateRoles(user->id, roles); !s.ok()) {
    return FromStore(s, "user_id: no such user");
  }
  absl::StatusOr<int64_t> revoked = RevokeAll(user->id, "");
  if (!revoked.ok()) {
    return revoked.status();
  }
  Audit("roles_changed", actor, *user,
        absl::StrCat("from [", absl::StrJoin(user->roles, ","), "] to [", absl::StrJoin(roles, ","),
                     "]"));
  user->roles = std::move(roles);
  return user;
}

absl::StatusOr<User> AdminService::SetDisabled(const Principal& actor, absl::string_view user_id,
                                               bool disabled) {
  absl::StatusOr<User> user = GetUser(user_id);
  if (!user.ok()) {
    return user.status();
  }
  if (absl::Status s = ports_.users.SetDisabled(user->id, disabled); !s.ok()) {
    return FromStore(s, "user_id: no such user");
  }
  if (disabled) {
    if (absl::StatusOr<int64_t> revoked = RevokeAll(user->id, ""); !revoked.ok()) {
      return revoked.status();
    }
  }
  Audit(disabled ? "user_disabled" : "user_enabled", actor, *user, "");
  user->disabled = disabled;
  return user;
}

absl::Status AdminService::DeleteUser(const Principal& actor, absl::string_view user_id) {
  absl::StatusOr<User> user = GetUser(user_id);
  if (!user.ok()) {
    return user.status();
  }
  if (absl::StatusOr<int64_t> revoked = RevokeAll(user->id, ""); !revoked.ok()) {
    return revoked.status();
  }
  if (absl::Status s = ports_.users.DeleteUser(user->id, ports_.clock.WallNow()); !s.ok()) {
    return FromStore(s, "user_id: no such user");
  }
  Audit("user_deleted", actor, *user, "");
  return absl::OkStatus();
}

absl::Status AdminService::SetPassword(const Principal& actor, absl::string_view user_id,
                                       absl::string_view new_password) {
  if (absl::Status valid = ValidatePassword("new_password", new_password); !valid.ok()) {
    return valid;
  }
  absl::StatusOr<User> user = GetUser(user_id);
  if (!user.ok()) {
    return user.status();
  }
  absl::StatusOr<std::string> hash = ports_.hasher.Hash(new_password);
  if (!hash.ok()) {
    return absl::InternalError("could not hash password");
  }
  if (absl::Status s = ports_.users.UpdatePasswordHash(user->id, *hash); !s.ok()) {
    return FromStore(s, "user_id: no such user");
  }
  if (absl::StatusOr<int64_t> revoked = RevokeAll(user->id, ""); !revoked.ok()) {
    return revoked.status();
  }
  Audit("password_set", actor, *user, "all sessions revoked");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Session>> AdminService::ListSessions(absl::string_view user_id) {
  absl::StatusOr<User> user = GetUser(user_id);
  if (!user.ok()) {
    return user.status();
  }
  absl::StatusOr<std::vector<Session>> sessions =
      ports_.sessions.ListUserSessions(user->id, ports_.clock.WallNow());
  if (!sessions.ok()) {
    return FromStore(sessions.status(), "");
  }
  return sessions;
}

absl::Status AdminService::RevokeSession(const Principal& actor, absl::string_view session_id) {
  if (!IsWellFormedId(session_id)) {
    return absl::InvalidArgumentError("session_id: is not a valid id");
  }
  const WallTime now = ports_.clock.WallNow();
  if (absl::Status s = ports_.sessions.RevokeSession(session_id, now); !s.ok()) {
    return FromStore(s, "session_id: no such session");
  }
  ports_.revocations.RevokeSession(session_id, now + options_.revocation_ttl);
  if (ports_.audit != nullptr) {
    ports_.audit->Record(AuditEvent{.at = now,
                                    .type = "session_revoked",
                                    .session_id = std::string(session_id),
                                    .detail = ActorText(actor),
                                    .trace_id = std::string(CurrentTraceId())});
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> AdminService::RevokeUserSessions(const Principal& actor,
                                                         absl::string_view user_id) {
  absl::StatusOr<User> user = GetUser(user_id);
  if (!user.ok()) {
    return user.status();
  }
  absl::StatusOr<int64_t> revoked = RevokeAll(user->id, "");
  if (revoked.ok()) {
    Audit("sessions_revoked", actor, *user, absl::StrCat(*revoked, " session(s)"));
  }
  return revoked;
}

absl::Status AdminService::ChangePassword(const Principal& user, absl::string_view current_password,
                                          absl::string_view new_password) {
  if (user.kind != Principal::Kind::kUser) {
    return absl::FailedPreconditionError("only a signed-in user can change their password");
  }
  if (current_password.empty() || current_password.size() > kMaxPasswordLength) {
    return absl::InvalidArgumentError("current_password: is required");
  }
  if (absl::Status valid = ValidatePassword("new_password", new_password); !valid.ok()) {
    return valid;
  }
  absl::StatusOr<User> stored = ports_.users.FindById(user.id);
  if (!stored.ok()) {
    return stored.status().code() == absl::StatusCode::kNotFound
               ? absl::UnauthenticatedError("invalid or expired token")
               : FromStore(stored.status(), "");
  }
  absl::StatusOr<bool> matches = ports_.hasher.Verify(current_password, stored->password_hash);
  if (!matches.ok()) {
    return absl::InternalError("stored credential is unreadable");
  }
  if (!*matches) {
    Audit("password_change_failed", user, *stored, "wrong current password");
    return absl::PermissionDeniedError("current_password: does not match");
  }
  absl::StatusOr<std::string> hash = ports_.hasher.Hash(new_password);
  if (!hash.ok()) {
    return absl::InternalError("could not hash password");
  }
  if (absl::Status s = ports_.users.UpdatePasswordHash(stored->id, *hash); !s.ok()) {
    return FromStore(s, "");
  }
  absl::StatusOr<int64_t> revoked = RevokeAll(stored->id, user.session_id);
  if (!revoked.ok()) {
    return revoked.status();
  }
  Audit("password_changed", user, *stored, absl::StrCat(*revoked, " other session(s) revoked"));
  return absl::OkStatus();
}

}  // namespace warden::core
