#include "storage/sqlite/sqlite_store_support.h"
#include "storage/sqlite/sqlite_stores.h"

namespace warden::storage {

using sql::ToMicros;
using sqlite::Each;
using sqlite::Sql;
using sqlite::UpdateOne;

absl::StatusOr<std::vector<core::SigningKeyRecord>> SqliteSigningKeyStore::ListSigningKeys() {
  std::vector<core::SigningKeyRecord> out;
  absl::Status status =
      Each(db_, false, Sql().list_signing_keys, nullptr,
           [&](const sql::SqlRow& row) { out.push_back(sql::ReadSigningKey(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status SqliteSigningKeyStore::InsertSigningKey(const core::SigningKeyRecord& record) {
  absl::Status status = Each(db_, true, Sql().insert_signing_key, [&](SqliteStatement& st) {
    st.Bind(1, record.kid)
        .Bind(2, record.algorithm)
        .Bind(3, record.public_jwk)
        .Bind(4, record.sealed_private_key)
        .Bind(5, ToMicros(record.created_at))
        .Bind(6, ToMicros(record.activate_at));
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("signing key exists");
  }
  return status;
}

absl::Status SqliteSigningKeyStore::WithdrawSigningKey(absl::string_view kid, core::WallTime now) {
  return UpdateOne(
      db_, Sql().withdraw_signing_key,
      [&](SqliteStatement& st) { st.Bind(1, ToMicros(now)).Bind(2, kid); }, "no such signing key");
}

absl::Status SqliteSigningKeyStore::DeleteSigningKey(absl::string_view kid) {
  return Each(db_, true, Sql().delete_signing_key, [&](SqliteStatement& st) { st.Bind(1, kid); });
}

}  // namespace warden::storage
