#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/sql/sql_rows.h"
#include "storage/sql/sql_statements.h"
#include "storage/sqlite/sqlite_database.h"

// How the SQLite stores run the shared statements (storage/sql): bind, step, read rows.
namespace warden::storage::sqlite {

// A row of a stepped statement, for the shared readers.
class Row final : public sql::SqlRow {
 public:
  explicit Row(const SqliteStatement& statement) : statement_(statement) {}
  std::string Text(int column) const override { return statement_.Text(column); }
  int64_t Int(int column) const override { return statement_.Int(column); }
  bool IsNull(int column) const override { return statement_.IsNull(column); }
  bool Bool(int column) const override { return statement_.Int(column) != 0; }

 private:
  const SqliteStatement& statement_;
};

using Binder = std::function<void(SqliteStatement&)>;
using RowFn = std::function<void(const sql::SqlRow&)>;

inline const sql::Statements& Sql() { return sql::StatementsFor(sql::Dialect::kSqlite); }

// Runs one statement on the connection `db` holds (inside WithConnection), calling `row` for
// each result row.
absl::Status RunOn(SqliteDatabase& db, absl::string_view sql, const Binder& bind,
                   const RowFn& row = nullptr);

// The same on a connection of its own: the writer in a transaction when `write`, else a reader.
absl::Status Each(SqliteDatabase& db, bool write, absl::string_view sql, const Binder& bind,
                  const RowFn& row = nullptr);

// Runs an UPDATE ... RETURNING; kNotFound with `missing` when no row matched.
absl::Status UpdateOne(SqliteDatabase& db, absl::string_view sql, const Binder& bind,
                       absl::string_view missing);

}  // namespace warden::storage::sqlite
