#include "storage/sqlite/sqlite_database.h"

#include "absl/strings/str_cat.h"

namespace warden::storage {
namespace {

// Schema migrations, applied in order; the database's user_version counts those applied.
// Append only: never edit a migration that has shipped.
const std::vector<absl::string_view>& Migrations() {
  static const auto* migrations = new std::vector<absl::string_view>{
      R"sql(
        CREATE TABLE users (
          id            TEXT PRIMARY KEY,
          username      TEXT NOT NULL,
          username_key  TEXT NOT NULL UNIQUE,
          email         TEXT NOT NULL,
          email_key     TEXT NOT NULL UNIQUE,
          full_name     TEXT NOT NULL,
          password_hash TEXT NOT NULL,
          roles         TEXT NOT NULL,
          created_at_us INTEGER NOT NULL
        );
        CREATE TABLE sessions (
          id            TEXT PRIMARY KEY,
          user_id       TEXT NOT NULL REFERENCES users(id),
          created_at_us INTEGER NOT NULL,
          expires_at_us INTEGER NOT NULL,
          revoked_at_us INTEGER
        );
        CREATE INDEX sessions_by_revocation ON sessions(revoked_at_us)
          WHERE revoked_at_us IS NOT NULL;
        CREATE TABLE refresh_tokens (
          hash        TEXT PRIMARY KEY,
          session_id  TEXT NOT NULL REFERENCES sessions(id),
          spent_at_us INTEGER
        );
        CREATE INDEX refresh_tokens_by_session ON refresh_tokens(session_id);
        CREATE TABLE revoked_access_tokens (
          jti           TEXT PRIMARY KEY,
          expires_at_us INTEGER NOT NULL
        );
      )sql",
      // 2: housekeeping deletes by expiry.
      R"sql(
        CREATE INDEX sessions_by_expiry ON sessions(expires_at_us);
        CREATE INDEX revoked_access_tokens_by_expiry ON revoked_access_tokens(expires_at_us);
      )sql",
      // 3: the signing key ring shared by replicas (private keys sealed with the master key).
      R"sql(
        CREATE TABLE signing_keys (
          kid                TEXT PRIMARY KEY,
          algorithm          TEXT NOT NULL,
          public_jwk         TEXT NOT NULL,
          sealed_private_key TEXT NOT NULL,
          created_at_us      INTEGER NOT NULL,
          activate_at_us     INTEGER NOT NULL UNIQUE,
          withdrawn_at_us    INTEGER
        );
      )sql",
      // 4: the audit trail, in order.
      R"sql(
        CREATE TABLE audit_events (
          seq          INTEGER PRIMARY KEY AUTOINCREMENT,
          at_us        INTEGER NOT NULL,
          type         TEXT NOT NULL,
          user_id      TEXT NOT NULL,
          username_key TEXT NOT NULL,
          username     TEXT NOT NULL,
          session_id   TEXT NOT NULL,
          detail       TEXT NOT NULL
        );
        CREATE INDEX audit_events_by_user ON audit_events(user_id, seq);
        CREATE INDEX audit_events_by_username ON audit_events(username_key, seq);
        CREATE INDEX audit_events_by_time ON audit_events(at_us);
      )sql",
      // 5: the trace id of the call behind each audit event.
      R"sql(
        ALTER TABLE audit_events ADD COLUMN trace_id TEXT NOT NULL DEFAULT '';
      )sql",
      // 6: administration: disabled and deleted users, sessions by user.
      R"sql(
        ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE users ADD COLUMN deleted_at_us INTEGER;
        CREATE INDEX sessions_by_user ON sessions(user_id, created_at_us);
      )sql",
      // 7: API keys (only a keyed hash of each secret).
      R"sql(
        CREATE TABLE api_keys (
          id              TEXT PRIMARY KEY,
          name            TEXT NOT NULL,
          hash            TEXT NOT NULL,
          roles           TEXT NOT NULL,
          created_by      TEXT NOT NULL,
          created_at_us   INTEGER NOT NULL,
          expires_at_us   INTEGER,
          last_used_at_us INTEGER,
          revoked_at_us   INTEGER
        );
      )sql",
      // 8: refresh modes (0 rotating, 1 stable) and the successor a retry within the grace
      // window gets again (sealed under the spent token).
      R"sql(
        ALTER TABLE sessions ADD COLUMN refresh_mode INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE refresh_tokens ADD COLUMN successor_hash TEXT;
        ALTER TABLE refresh_tokens ADD COLUMN sealed_successor TEXT;
      )sql",
  };
  return *migrations;
}

}  // namespace

absl::Status SqliteError(sqlite3* db, int code, absl::string_view what) {
  const int primary = code & 0xff;
  const std::string detail = absl::StrCat(what, ": ", db != nullptr ? sqlite3_errmsg(db) : "",
                                          " (sqlite code ", code, ")");
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return absl::UnavailableError(detail);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(detail);
    default:
      return absl::InternalError(detail);
  }
}

SqliteStatement::~SqliteStatement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

SqliteStatement& SqliteStatement::Bind(int index, absl::string_view value) {
  const int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    bind_error_ = rc;
  }
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) {
    bind_error_ = rc;
  }
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) {
    bind_error_ = rc;
  }
  return *this;
}

absl::StatusOr<bool> SqliteStatement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return SqliteError(sqlite3_db_handle(stmt_), bind_error_, "bind");
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return SqliteError(sqlite3_db_handle(stmt_), sqlite3_extended_errcode(sqlite3_db_handle(stmt_)),
                     "step");
}

absl::Status SqliteStatement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) {
    return row.status();
  }
  return absl::OkStatus();
}

absl::Status SqliteStatement::ForEachRow(const std::function<void(const SqliteStatement&)>& row) {
  for (;;) {
    absl::StatusOr<bool> more = Step();
    if (!more.ok()) {
      return more.status();
    }
    if (!*more) {
      return absl::OkStatus();
    }
    row(*this);
  }
}

std::string SqliteStatement::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text), size);
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

absl::StatusOr<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const Options& options) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(db, rc, absl::StrCat("open ", options.path));
    sqlite3_close(db);
    return status;
  }
  auto database = std::unique_ptr<SqliteDatabase>(new SqliteDatabase(db));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  for (absl::string_view pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (absl::Status s = database->Exec(pragma); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(options.path, ": ", s.message()));
    }
  }
  if (absl::Status s = database->Migrate(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(options.path, ": ", s.message()));
  }
  return database;
}

SqliteDatabase::~SqliteDatabase() {
  for (auto& [sql, stmt] : statements_) {
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db_);
}

int SqliteDatabase::LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::Status SqliteDatabase::Migrate() {
  return WithConnection(true, [this](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<std::unique_ptr<SqliteStatement>> version = db.Prepare("PRAGMA user_version");
    if (!version.ok()) {
      return version.status();
    }
    absl::StatusOr<bool> row = (*version)->Step();
    if (!row.ok()) {
      return row.status();
    }
    int current = static_cast<int>((*version)->Int(0));
    version->reset();
    const int latest = LatestSchemaVersion();
    if (current > latest) {
      return absl::FailedPreconditionError(absl::StrCat(
          "database schema version ", current, " is newer than this binary knows (", latest, ")"));
    }
    for (; current < latest; ++current) {
      if (absl::Status s = Exec(Migrations()[current]); !s.ok()) {
        return s;
      }
      if (absl::Status s = Exec(absl::StrCat("PRAGMA user_version=", current + 1)); !s.ok()) {
        return s;
      }
    }
    schema_version_ = current;
    return absl::OkStatus();
  });
}

absl::Status SqliteDatabase::WithConnection(
    bool transaction, const std::function<absl::Status(SqliteDatabase&)>& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!transaction) {
    return body(*this);
  }
  if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) {
    return s;
  }
  absl::Status result = body(*this);
  if (result.ok()) {
    result = Exec("COMMIT");
  }
  if (!result.ok()) {
    (void)Exec("ROLLBACK");
  }
  return result;
}

absl::StatusOr<std::unique_ptr<SqliteStatement>> SqliteDatabase::Prepare(absl::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return SqliteError(db_, rc, "prepare");
    }
    it = statements_.emplace(std::string(sql), stmt).first;
  }
  return std::make_unique<SqliteStatement>(it->second);
}

absl::Status SqliteDatabase::Exec(absl::string_view sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, sqlite3_extended_errcode(db_), "exec");
  }
  return absl::OkStatus();
}

}  // namespace warden::storage
