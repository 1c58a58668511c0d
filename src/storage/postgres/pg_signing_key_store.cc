#include "storage/postgres/pg_store_support.h"
#include "storage/postgres/pg_stores.h"

namespace warden::storage {

using pg::Each;
using pg::S;
using pg::Sql;
using pg::Us;

absl::StatusOr<std::vector<core::SigningKeyRecord>> PgSigningKeyStore::ListSigningKeys() {
  std::vector<core::SigningKeyRecord> out;
  absl::Status status = Each(db_, Sql().list_signing_keys, {}, [&](const sql::SqlRow& row) {
    out.push_back(sql::ReadSigningKey(row));
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status PgSigningKeyStore::InsertSigningKey(const core::SigningKeyRecord& record) {
  absl::Status status =
      Each(db_, Sql().insert_signing_key,
           {S(record.kid), S(record.algorithm), S(record.public_jwk), S(record.sealed_private_key),
            Us(record.created_at), Us(record.activate_at)});
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("signing key exists");
  }
  return status;
}

absl::Status PgSigningKeyStore::WithdrawSigningKey(absl::string_view kid, core::WallTime now) {
  return pg::UpdateOne(db_, Sql().withdraw_signing_key, {Us(now), S(kid)}, "no such signing key");
}

absl::Status PgSigningKeyStore::DeleteSigningKey(absl::string_view kid) {
  return Each(db_, Sql().delete_signing_key, {S(kid)});
}

}  // namespace warden::storage
