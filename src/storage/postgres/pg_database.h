#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warden::storage {

// A query parameter in text form; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

// The rows of one result, read as text. Owns the PGresult.
class PgRows {
 public:
  explicit PgRows(PGresult* result) : result_(result, &PQclear) {}
  int size() const { return PQntuples(result_.get()); }
  std::string Text(int row, int column) const;
  int64_t Int(int row, int column) const;
  bool IsNull(int row, int column) const;
  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t Affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

// One pooled connection, handed out by PgDatabase. Statements are prepared once per connection
// (named by their SQL) and reused.
class PgConnection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` ($1, $2... placeholders) as a prepared statement. Errors: kAlreadyExists for a
  // unique violation (message names the constraint), kUnavailable when the connection is
  // unusable, kInternal otherwise.
  absl::StatusOr<PgRows> Query(absl::string_view sql, const std::vector<PgParam>& params = {});
  // Runs `sql` without parameters or preparation (BEGIN, COMMIT, DDL).
  absl::Status Exec(absl::string_view sql);
  bool Broken() const;

 private:
  PGconn* conn_;
  absl::flat_hash_map<std::string, std::string> prepared_;  // SQL -> statement name
};

// PostgreSQL through libpq: a bounded pool of connections (size, bounded wait with a clear
// UNAVAILABLE when exhausted), broken connections replaced on next use (so a database restart
// heals by itself), and the schema migrated to the latest version on Open (refusing to run on an
// unknown newer one).
//
// Thread-safe.
class PgDatabase {
 public:
  struct Options {
    std::string url;  // postgres://user@host:port/db or key=value conninfo
    size_t pool_size = 8;
    std::chrono::milliseconds acquire_timeout{2000};
    // Every statement's limit on the server (SQLSTATE 57014 -> UNAVAILABLE); 0: the server's.
    std::chrono::milliseconds statement_timeout{5000};
    // libpq's connect_timeout unless the URL sets one (libpq's own default is to wait forever).
    std::chrono::milliseconds connect_timeout{5000};
    bool migrate = true;  // false: only check the schema version
    // false: no schema check at all, and no connection until the first use (a read replica:
    // a copy of a primary whose schema is checked; it may be down when this one starts).
    bool check_schema = true;
  };
  struct PoolStats {
    size_t size = 0;
    size_t in_use = 0;
    int64_t waits_timed_out = 0;
  };

  static absl::StatusOr<std::unique_ptr<PgDatabase>> Open(const Options& options);
  ~PgDatabase();

  // Runs `body` on a pooled connection.
  absl::Status WithConnection(const std::function<absl::Status(PgConnection&)>& body);
  // Runs `body` in a transaction (BEGIN ... COMMIT, ROLLBACK when it fails).
  absl::Status InTransaction(const std::function<absl::Status(PgConnection&)>& body);
  PoolStats Stats() const;
  // The schema version this build knows.
  static int LatestSchemaVersion();

 private:
  explicit PgDatabase(Options options) : options_(std::move(options)) {}
  absl::StatusOr<std::unique_ptr<PgConnection>> Connect() const;
  absl::Status Migrate();

  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  size_t open_ = 0;  // connections in existence (idle + in use)
  size_t in_use_ = 0;
  int64_t timeouts_ = 0;
};

}  // namespace warden::storage
