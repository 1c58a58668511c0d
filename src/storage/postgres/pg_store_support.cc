#include "storage/postgres/pg_store_support.h"

namespace warden::storage::pg {

absl::Status RunOn(PgConnection& conn, absl::string_view sql, const std::vector<PgParam>& params,
                   const RowFn& row) {
  absl::StatusOr<PgRows> rows = conn.Query(sql, params);
  if (!rows.ok()) {
    return rows.status();
  }
  for (int i = 0; row && i < rows->size(); ++i) {
    row(Row(*rows, i));
  }
  return absl::OkStatus();
}

absl::Status Each(PgDatabase& db, absl::string_view sql, const std::vector<PgParam>& params,
                  const RowFn& row) {
  return db.WithConnection(
      [&](PgConnection& conn) -> absl::Status { return RunOn(conn, sql, params, row); });
}

absl::Status EachLagTolerant(PgDatabase& primary, PgDatabase* replica, absl::string_view sql,
                             const std::vector<PgParam>& params, const RowFn& row) {
  if (replica != nullptr) {
    absl::Status status = Each(*replica, sql, params, row);
    if (status.code() != absl::StatusCode::kUnavailable) {
      return status;
    }
  }
  return Each(primary, sql, params, row);
}

absl::Status UpdateOne(PgDatabase& db, absl::string_view sql, const std::vector<PgParam>& params,
                       absl::string_view missing) {
  bool found = false;
  absl::Status status = Each(db, sql, params, [&](const sql::SqlRow&) { found = true; });
  if (status.ok() && !found) {
    return absl::NotFoundError(missing);
  }
  return status;
}

}  // namespace warden::storage::pg
