#include "storage/sqlite/sqlite_store_support.h"
#include "storage/sqlite/sqlite_stores.h"

namespace warden::storage {

using sql::ToMicros;
using sqlite::Each;
using sqlite::Sql;
using sqlite::UpdateOne;

absl::Status SqliteApiKeyStore::CreateApiKey(const core::ApiKeyRecord& record) {
  absl::Status status = Each(db_, true, Sql().insert_api_key, [&](SqliteStatement& st) {
    st.Bind(1, record.id)
        .Bind(2, record.name)
        .Bind(3, record.hash)
        .Bind(4, sql::JoinRoles(record.roles))
        .Bind(5, record.created_by)
        .Bind(6, ToMicros(record.created_at));
    if (record.expires_at.has_value()) {
      st.Bind(7, ToMicros(*record.expires_at));
    } else {
      st.BindNull(7);
    }
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("API key id already used");
  }
  return status;
}

absl::StatusOr<core::ApiKeyRecord> SqliteApiKeyStore::FindApiKey(absl::string_view id) {
  absl::StatusOr<core::ApiKeyRecord> found = absl::NotFoundError("no such API key");
  absl::Status status = Each(
      db_, false, Sql().find_api_key, [&](SqliteStatement& st) { st.Bind(1, id); },
      [&](const sql::SqlRow& row) { found = sql::ReadApiKey(row); });
  if (!status.ok()) {
    return status;
  }
  return found;
}

absl::StatusOr<std::vector<core::ApiKeyRecord>> SqliteApiKeyStore::ListApiKeys(
    bool include_revoked) {
  std::vector<core::ApiKeyRecord> out;
  absl::Status status = Each(
      db_, false, Sql().list_api_keys,
      [&](SqliteStatement& st) { st.Bind(1, int64_t{include_revoked ? 1 : 0}); },
      [&](const sql::SqlRow& row) { out.push_back(sql::ReadApiKey(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status SqliteApiKeyStore::RevokeApiKey(absl::string_view id, core::WallTime now) {
  return UpdateOne(
      db_, Sql().revoke_api_key,
      [&](SqliteStatement& st) { st.Bind(1, ToMicros(now)).Bind(2, id); }, "no such API key");
}

absl::Status SqliteApiKeyStore::TouchApiKey(absl::string_view id, core::WallTime now) {
  return UpdateOne(
      db_, Sql().touch_api_key, [&](SqliteStatement& st) { st.Bind(1, ToMicros(now)).Bind(2, id); },
      "no such API key");
}

}  // namespace warden::storage
