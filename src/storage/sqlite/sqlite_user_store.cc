#include "storage/sqlite/sqlite_store_support.h"
#include "storage/sqlite/sqlite_stores.h"

namespace warden::storage {

using sql::ToMicros;
using sqlite::Each;
using sqlite::Sql;
using sqlite::UpdateOne;

absl::Status SqliteUserStore::Create(const core::User& user) {
  absl::Status status = Each(db_, true, Sql().insert_user, [&](SqliteStatement& st) {
    st.Bind(1, user.id)
        .Bind(2, user.username)
        .Bind(3, user.username_key)
        .Bind(4, user.email)
        .Bind(5, user.email_key)
        .Bind(6, user.full_name)
        .Bind(7, user.password_hash)
        .Bind(8, sql::JoinRoles(user.roles))
        .Bind(9, ToMicros(user.created_at))
        .Bind(10, int64_t{user.disabled ? 1 : 0});
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    if (status.message().find("users.email_key") != absl::string_view::npos) {
      return absl::AlreadyExistsError("email: already registered");
    }
    if (status.message().find("users.username_key") != absl::string_view::npos) {
      return absl::AlreadyExistsError("username: already taken");
    }
    return absl::AlreadyExistsError("id: already used");
  }
  return status;
}

absl::StatusOr<core::User> SqliteUserStore::FindBy(absl::string_view sql, absl::string_view key) {
  absl::StatusOr<core::User> found = absl::NotFoundError("no such user");
  absl::Status status = Each(
      db_, false, sql, [&](SqliteStatement& st) { st.Bind(1, key); },
      [&](const sql::SqlRow& row) { found = sql::ReadUser(row); });
  if (!status.ok()) {
    return status;
  }
  return found;
}

absl::StatusOr<core::User> SqliteUserStore::FindByUsernameKey(absl::string_view username_key) {
  return FindBy(Sql().find_user_by_username_key, username_key);
}

absl::StatusOr<core::User> SqliteUserStore::FindById(absl::string_view id) {
  return FindBy(Sql().find_user_by_id, id);
}

absl::Status SqliteUserStore::UpdatePasswordHash(absl::string_view id,
                                                 absl::string_view password_hash) {
  return UpdateOne(
      db_, Sql().update_password_hash,
      [&](SqliteStatement& st) { st.Bind(1, password_hash).Bind(2, id); }, "no such user");
}

absl::StatusOr<std::vector<core::User>> SqliteUserStore::ListUsers(
    absl::string_view after_username_key, size_t limit) {
  std::vector<core::User> out;
  absl::Status status = Each(
      db_, false, Sql().list_users,
      [&](SqliteStatement& st) {
        st.Bind(1, after_username_key).Bind(2, static_cast<int64_t>(limit));
      },
      [&](const sql::SqlRow& row) { out.push_back(sql::ReadUser(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status SqliteUserStore::UpdateRoles(absl::string_view id,
                                          const std::vector<std::string>& roles) {
  const std::string joined = sql::JoinRoles(roles);
  return UpdateOne(
      db_, Sql().update_roles, [&](SqliteStatement& st) { st.Bind(1, joined).Bind(2, id); },
      "no such user");
}

absl::Status SqliteUserStore::SetDisabled(absl::string_view id, bool disabled) {
  return UpdateOne(
      db_, Sql().set_disabled,
      [&](SqliteStatement& st) { st.Bind(1, int64_t{disabled ? 1 : 0}).Bind(2, id); },
      "no such user");
}

absl::Status SqliteUserStore::DeleteUser(absl::string_view id, core::WallTime now) {
  return UpdateOne(
      db_, Sql().delete_user, [&](SqliteStatement& st) { st.Bind(1, ToMicros(now)).Bind(2, id); },
      "no such user");
}

absl::Status SqliteUserStore::Ping() { return Each(db_, false, Sql().ping, nullptr); }

}  // namespace warden::storage
