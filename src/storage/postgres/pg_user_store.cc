#include "absl/strings/match.h"
#include "storage/postgres/pg_store_support.h"
#include "storage/postgres/pg_stores.h"

namespace warden::storage {

using pg::Each;
using pg::S;
using pg::Sql;
using pg::UpdateOne;
using pg::Us;

absl::Status PgUserStore::Create(const core::User& user) {
  absl::Status status =
      Each(db_, Sql().insert_user,
           {S(user.id), S(user.username), S(user.username_key), S(user.email), S(user.email_key),
            S(user.full_name), S(user.password_hash), S(sql::JoinRoles(user.roles)),
            Us(user.created_at), pg::Bool(user.disabled)});
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    if (absl::StrContains(status.message(), "email_key")) {
      return absl::AlreadyExistsError("email: already registered");
    }
    if (absl::StrContains(status.message(), "username_key")) {
      return absl::AlreadyExistsError("username: already taken");
    }
    return absl::AlreadyExistsError("id: already used");
  }
  return status;
}

absl::StatusOr<core::User> PgUserStore::FindOne(absl::string_view sql, absl::string_view key) {
  absl::StatusOr<core::User> found = absl::NotFoundError("no such user");
  absl::Status status =
      Each(db_, sql, {S(key)}, [&](const sql::SqlRow& row) { found = sql::ReadUser(row); });
  if (!status.ok()) {
    return status;
  }
  return found;
}

absl::StatusOr<core::User> PgUserStore::FindByUsernameKey(absl::string_view username_key) {
  return FindOne(Sql().find_user_by_username_key, username_key);
}

absl::StatusOr<core::User> PgUserStore::FindById(absl::string_view id) {
  return FindOne(Sql().find_user_by_id, id);
}

absl::Status PgUserStore::UpdatePasswordHash(absl::string_view id,
                                             absl::string_view password_hash) {
  return UpdateOne(db_, Sql().update_password_hash, {S(password_hash), S(id)}, "no such user");
}

absl::StatusOr<std::vector<core::User>> PgUserStore::ListUsers(absl::string_view after_username_key,
                                                               size_t limit) {
  std::vector<core::User> out;
  absl::Status status = pg::EachLagTolerant(
      db_, replica_, Sql().list_users, {S(after_username_key), std::to_string(limit)},
      [&](const sql::SqlRow& row) { out.push_back(sql::ReadUser(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status PgUserStore::UpdateRoles(absl::string_view id, const std::vector<std::string>& roles) {
  return UpdateOne(db_, Sql().update_roles, {S(sql::JoinRoles(roles)), S(id)}, "no such user");
}

absl::Status PgUserStore::SetDisabled(absl::string_view id, bool disabled) {
  return UpdateOne(db_, Sql().set_disabled, {pg::Bool(disabled), S(id)}, "no such user");
}

absl::Status PgUserStore::DeleteUser(absl::string_view id, core::WallTime now) {
  return UpdateOne(db_, Sql().delete_user, {Us(now), S(id)}, "no such user");
}

absl::Status PgUserStore::Ping() { return Each(db_, Sql().ping, {}); }

}  // namespace warden::storage
