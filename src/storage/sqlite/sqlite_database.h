#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warden::storage {

// A prepared statement borrowed from SqliteDatabase's cache; resets itself when destroyed.
// Binding and stepping return Status; column readers assume a row is current.
class SqliteStatement {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& Bind(int index, absl::string_view value);
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& BindNull(int index);
  // Returns true when a row is ready, false when done, or an error status.
  absl::StatusOr<bool> Step();
  // Steps to completion, expecting no rows.
  absl::Status Run();
  // Steps through every row, calling `row` with this statement positioned on it.
  absl::Status ForEachRow(const std::function<void(const SqliteStatement&)>& row);

  std::string Text(int column) const;
  int64_t Int(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3_stmt* stmt_;
  int bind_error_ = SQLITE_OK;
};

// One SQLite connection (WAL, synchronous=FULL, foreign keys on) with its schema migrated to the
// latest version, shared by the SQLite stores.
//
// Thread-safe: every use holds the connection's mutex through Lock().
class SqliteDatabase {
 public:
  struct Options {
    std::string path;  // a file path, or ":memory:"
    int busy_timeout_ms = 5000;
  };

  // Opens (creating if needed) and migrates. Fails with a message naming the path.
  static absl::StatusOr<std::unique_ptr<SqliteDatabase>> Open(const Options& options);
  ~SqliteDatabase();

  // Runs `body` holding the connection: inside BEGIN IMMEDIATE..COMMIT when `transaction`,
  // rolling back if `body` fails.
  absl::Status WithConnection(bool transaction,
                              const std::function<absl::Status(SqliteDatabase&)>& body);

  // Returns a cached prepared statement. Only call inside WithConnection.
  absl::StatusOr<std::unique_ptr<SqliteStatement>> Prepare(absl::string_view sql);
  // Executes SQL without results. Only call inside WithConnection (or during Open).
  absl::Status Exec(absl::string_view sql);

  // Rows changed by the last INSERT, UPDATE or DELETE. Only call inside WithConnection.
  int64_t ChangesForLastStatement() const { return sqlite3_changes64(db_); }

  int SchemaVersion() const { return schema_version_; }
  static int LatestSchemaVersion();

 private:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  absl::Status Migrate();

  sqlite3* db_;
  std::mutex mutex_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
  int schema_version_ = 0;
};

// Maps an SQLite result code to a Status: busy/locked/IO errors are kUnavailable (retryable),
// constraint violations kAlreadyExists, the rest kInternal.
absl::Status SqliteError(sqlite3* db, int code, absl::string_view what);

}  // namespace warden::storage
