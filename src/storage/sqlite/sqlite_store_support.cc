#include "storage/sqlite/sqlite_store_support.h"

namespace warden::storage::sqlite {

absl::Status RunOn(SqliteDatabase& db, absl::string_view sql, const Binder& bind,
                   const RowFn& row) {
  absl::StatusOr<std::unique_ptr<SqliteStatement>> statement = db.Prepare(sql);
  if (!statement.ok()) {
    return statement.status();
  }
  if (bind) {
    bind(**statement);
  }
  return (*statement)->ForEachRow([&](const SqliteStatement& stepped) {
    if (row) {
      row(Row(stepped));
    }
  });
}

absl::Status Each(SqliteDatabase& db, bool write, absl::string_view sql, const Binder& bind,
                  const RowFn& row) {
  return db.WithConnection(
      write, [&](SqliteDatabase& held) -> absl::Status { return RunOn(held, sql, bind, row); });
}

absl::Status UpdateOne(SqliteDatabase& db, absl::string_view sql, const Binder& bind,
                       absl::string_view missing) {
  bool found = false;
  absl::Status status = Each(db, true, sql, bind, [&](const sql::SqlRow&) { found = true; });
  if (status.ok() && !found) {
    return absl::NotFoundError(missing);
  }
  return status;
}

}  // namespace warden::storage::sqlite
