#include "storage/postgres/pg_store_support.h"
#include "storage/postgres/pg_stores.h"

namespace warden::storage {

using pg::Each;
using pg::S;
using pg::Sql;
using pg::UpdateOne;
using pg::Us;

absl::Status PgApiKeyStore::CreateApiKey(const core::ApiKeyRecord& record) {
  absl::Status status =
      Each(db_, Sql().insert_api_key,
           {S(record.id), S(record.name), S(record.hash), S(sql::JoinRoles(record.roles)),
            S(record.created_by), Us(record.created_at), pg::OptUs(record.expires_at)});
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("API key id already used");
  }
  return status;
}

absl::StatusOr<core::ApiKeyRecord> PgApiKeyStore::FindApiKey(absl::string_view id) {
  absl::StatusOr<core::ApiKeyRecord> found = absl::NotFoundError("no such API key");
  absl::Status status = Each(db_, Sql().find_api_key, {S(id)},
                             [&](const sql::SqlRow& row) { found = sql::ReadApiKey(row); });
  if (!status.ok()) {
    return status;
  }
  return found;
}

absl::StatusOr<std::vector<core::ApiKeyRecord>> PgApiKeyStore::ListApiKeys(bool include_revoked) {
  std::vector<core::ApiKeyRecord> out;
  absl::Status status =
      pg::EachLagTolerant(db_, replica_, Sql().list_api_keys, {pg::Bool(include_revoked)},
                          [&](const sql::SqlRow& row) { out.push_back(sql::ReadApiKey(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status PgApiKeyStore::RevokeApiKey(absl::string_view id, core::WallTime now) {
  return UpdateOne(db_, Sql().revoke_api_key, {Us(now), S(id)}, "no such API key");
}

absl::Status PgApiKeyStore::TouchApiKey(absl::string_view id, core::WallTime now) {
  return UpdateOne(db_, Sql().touch_api_key, {Us(now), S(id)}, "no such API key");
}

}  // namespace warden::storage
