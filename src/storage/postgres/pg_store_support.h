#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/postgres/pg_database.h"
#include "storage/sql/sql_rows.h"
#include "storage/sql/sql_statements.h"

// How the PostgreSQL stores run the shared statements (storage/sql): text parameters, pooled
// connections, lag-tolerant reads on the read replica.
namespace warden::storage::pg {

// Row `index` of a result, for the shared readers.
class Row final : public sql::SqlRow {
 public:
  Row(const PgRows& rows, int index) : rows_(rows), index_(index) {}
  std::string Text(int column) const override { return rows_.Text(index_, column); }
  int64_t Int(int column) const override { return rows_.Int(index_, column); }
  bool IsNull(int column) const override { return rows_.IsNull(index_, column); }
  bool Bool(int column) const override { return rows_.Text(index_, column) == "t"; }

 private:
  const PgRows& rows_;
  int index_;
};

using RowFn = std::function<void(const sql::SqlRow&)>;

inline const sql::Statements& Sql() { return sql::StatementsFor(sql::Dialect::kPostgres); }

// Parameters in text form.
inline PgParam Us(core::WallTime t) { return std::to_string(sql::ToMicros(t)); }
inline PgParam OptUs(const std::optional<core::WallTime>& t) {
  return t.has_value() ? Us(*t) : std::nullopt;
}
inline PgParam S(absl::string_view value) { return std::string(value); }
inline PgParam Bool(bool value) { return value ? "true" : "false"; }

// Runs one statement on `conn`, calling `row` for each result row.
absl::Status RunOn(PgConnection& conn, absl::string_view sql, const std::vector<PgParam>& params,
                   const RowFn& row = nullptr);

// The same on a pooled connection of `db`.
absl::Status Each(PgDatabase& db, absl::string_view sql, const std::vector<PgParam>& params,
                  const RowFn& row = nullptr);

// A read named lag-tolerant (admin listings, which may miss the last second of writes): on the
// read replica when one is configured, on the primary when there is none or it cannot answer
// (rows reach `row` only once a statement has succeeded, so nothing is delivered twice).
absl::Status EachLagTolerant(PgDatabase& primary, PgDatabase* replica, absl::string_view sql,
                             const std::vector<PgParam>& params, const RowFn& row);

// Runs an UPDATE ... RETURNING; kNotFound with `missing` when no row matched.
absl::Status UpdateOne(PgDatabase& db, absl::string_view sql, const std::vector<PgParam>& params,
                       absl::string_view missing);

}  // namespace warden::storage::pg
