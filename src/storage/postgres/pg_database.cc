#include "storage/postgres/pg_database.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace warden::storage {
namespace {

// The schema, one entry per version. Never edit an entry once released; append.
const std::vector<absl::string_view>& Migrations() {
  static const auto* migrations = new std::vector<absl::string_view>{
      // 1: the whole schema as of SQLite migration 7.
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
          created_at_us BIGINT NOT NULL,
          disabled      BOOLEAN NOT NULL DEFAULT false,
          deleted_at_us BIGINT
        );
        CREATE TABLE sessions (
          id            TEXT PRIMARY KEY,
          user_id       TEXT NOT NULL REFERENCES users(id),
          created_at_us BIGINT NOT NULL,
          expires_at_us BIGINT NOT NULL,
          revoked_at_us BIGINT
        );
        CREATE INDEX sessions_by_revocation ON sessions(revoked_at_us)
          WHERE revoked_at_us IS NOT NULL;
        CREATE INDEX sessions_by_expiry ON sessions(expires_at_us);
        CREATE INDEX sessions_by_user ON sessions(user_id, created_at_us);
        CREATE TABLE refresh_tokens (
          hash        TEXT PRIMARY KEY,
          session_id  TEXT NOT NULL REFERENCES sessions(id),
          spent_at_us BIGINT
        );
        CREATE INDEX refresh_tokens_by_session ON refresh_tokens(session_id);
        CREATE TABLE revoked_access_tokens (
          jti           TEXT PRIMARY KEY,
          expires_at_us BIGINT NOT NULL
        );
        CREATE INDEX revoked_access_tokens_by_expiry ON revoked_access_tokens(expires_at_us);
        CREATE TABLE signing_keys (
          kid                TEXT PRIMARY KEY,
          algorithm          TEXT NOT NULL,
          public_jwk         TEXT NOT NULL,
          sealed_private_key TEXT NOT NULL,
          created_at_us      BIGINT NOT NULL,
          activate_at_us     BIGINT NOT NULL UNIQUE,
          withdrawn_at_us    BIGINT
        );
        CREATE TABLE audit_events (
          seq          BIGSERIAL PRIMARY KEY,
          at_us        BIGINT NOT NULL,
          type         TEXT NOT NULL,
          user_id      TEXT NOT NULL,
          username_key TEXT NOT NULL,
          username     TEXT NOT NULL,
          session_id   TEXT NOT NULL,
          detail       TEXT NOT NULL,
          trace_id     TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_events_by_user ON audit_events(user_id, seq);
        CREATE INDEX audit_events_by_username ON audit_events(username_key, seq);
        CREATE INDEX audit_events_by_time ON audit_events(at_us);
        CREATE TABLE api_keys (
          id              TEXT PRIMARY KEY,
          name            TEXT NOT NULL,
          hash            TEXT NOT NULL,
          roles           TEXT NOT NULL,
          created_by      TEXT NOT NULL,
          created_at_us   BIGINT NOT NULL,
          expires_at_us   BIGINT,
          last_used_at_us BIGINT,
          revoked_at_us   BIGINT
        );
      )sql",
      // 2 (SQLite 8): refresh modes (0 rotating, 1 stable) and the successor a retry within
      // the grace window gets again (sealed under the spent token).
      R"sql(
        ALTER TABLE sessions ADD COLUMN refresh_mode SMALLINT NOT NULL DEFAULT 0;
        ALTER TABLE refresh_tokens ADD COLUMN successor_hash TEXT;
        ALTER TABLE refresh_tokens ADD COLUMN sealed_successor TEXT;
      )sql",
  };
  return *migrations;
}

absl::Status StatusFrom(PGconn* conn, const PGresult* result, absl::string_view what) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string message =
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  if (PQstatus(conn) != CONNECTION_OK || state == nullptr) {
    return absl::UnavailableError(absl::StrCat("postgres ", what, ": ", message));
  }
  const absl::string_view code(state);
  if (code == "23505") {
    const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    return absl::AlreadyExistsError(
        absl::StrCat("unique violation on ", constraint == nullptr ? "?" : constraint));
  }
  // Class 08 (connection), 57P (shutdown), 53 (resources), 57014 (statement timeout),
  // serialization failures and deadlocks: retryable.
  if (code.substr(0, 2) == "08" || code.substr(0, 3) == "57P" || code.substr(0, 2) == "53" ||
      code == "57014" || code == "40001" || code == "40P01") {
    return absl::UnavailableError(absl::StrCat("postgres ", what, ": ", message));
  }
  return absl::InternalError(absl::StrCat("postgres ", what, " (", code, "): ", message));
}

}  // namespace

std::string PgRows::Text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int64_t PgRows::Int(int row, int column) const {
  int64_t value = 0;
  (void)absl::SimpleAtoi(PQgetvalue(result_.get(), row, column), &value);
  return value;
}

bool PgRows::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

int64_t PgRows::Affected() const {
  int64_t value = 0;
  (void)absl::SimpleAtoi(PQcmdTuples(result_.get()), &value);
  return value;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::Broken() const { return PQstatus(conn_) != CONNECTION_OK; }

absl::Status PgConnection::Exec(absl::string_view sql) {
  PGresult* result = PQexec(conn_, std::string(sql).c_str());
  const ExecStatusType status = PQresultStatus(result);
  absl::Status out = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
                         ? absl::OkStatus()
                         : StatusFrom(conn_, result, "exec");
  PQclear(result);
  return out;
}

absl::StatusOr<PgRows> PgConnection::Query(absl::string_view sql,
                                           const std::vector<PgParam>& params) {
  const std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    const std::string name = absl::StrCat("w", prepared_.size());
    PGresult* prepared =
        PQprepare(conn_, name.c_str(), key.c_str(), static_cast<int>(params.size()), nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      absl::Status error = StatusFrom(conn_, prepared, "prepare");
      PQclear(prepared);
      return error;
    }
    PQclear(prepared);
    it = prepared_.emplace(key, name).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) {
    values.push_back(param.has_value() ? param->c_str() : nullptr);
  }
  PGresult* result = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                    values.data(), nullptr, nullptr, 0);
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    absl::Status error = StatusFrom(conn_, result, "query");
    PQclear(result);
    return error;
  }
  return PgRows(result);
}

absl::StatusOr<std::unique_ptr<PgDatabase>> PgDatabase::Open(const Options& options) {
  std::unique_ptr<PgDatabase> db(new PgDatabase(options));
  if (!options.check_schema) {
    return db;
  }
  if (absl::Status migrated = db->Migrate(); !migrated.ok()) {
    return migrated;
  }
  return db;
}

PgDatabase::~PgDatabase() = default;

int PgDatabase::LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::StatusOr<std::unique_ptr<PgConnection>> PgDatabase::Connect() const {
  // Defaults first, then the URL (expanded from dbname), whose own settings win: libpq keeps
  // the last value of a repeated keyword. Without a connect_timeout libpq waits forever on a
  // host that does not answer.
  const std::string connect_timeout = std::to_string(std::max<int64_t>(
      1, std::chrono::ceil<std::chrono::seconds>(options_.connect_timeout).count()));
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {connect_timeout.c_str(), options_.url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", message));
  }
  auto connection = std::make_unique<PgConnection>(conn);
  if (options_.statement_timeout.count() > 0) {
    if (absl::Status s = connection->Exec(
            absl::StrCat("SET statement_timeout = ", options_.statement_timeout.count()));
        !s.ok()) {
      return s;
    }
  }
  return connection;
}

absl::Status PgDatabase::WithConnection(const std::function<absl::Status(PgConnection&)>& body) {
  std::unique_ptr<PgConnection> conn;
  {
    std::unique_lock lock(mutex_);
    const bool got = returned_.wait_for(lock, options_.acquire_timeout, [this] {
      return !idle_.empty() || open_ < options_.pool_size;
    });
    if (!got) {
      ++timeouts_;
      return absl::UnavailableError("database connection pool exhausted, retry later");
    }
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // a slot for a new connection; given back if it cannot be made
    }
    ++in_use_;
  }
  auto give_back = [this](std::unique_ptr<PgConnection> c) {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (c != nullptr && !c->Broken()) {
      idle_.push_back(std::move(c));
    } else {
      --open_;
    }
    returned_.notify_one();
  };
  if (conn == nullptr || conn->Broken()) {
    absl::StatusOr<std::unique_ptr<PgConnection>> fresh = Connect();
    if (!fresh.ok()) {
      give_back(nullptr);
      return fresh.status();
    }
    conn = *std::move(fresh);
  }
  absl::Status status = body(*conn);
  give_back(std::move(conn));
  return status;
}

absl::Status PgDatabase::InTransaction(const std::function<absl::Status(PgConnection&)>& body) {
  return WithConnection([&body](PgConnection& conn) -> absl::Status {
    if (absl::Status begun = conn.Exec("BEGIN"); !begun.ok()) {
      return begun;
    }
    absl::Status status = body(conn);
    if (!status.ok()) {
      (void)conn.Exec("ROLLBACK");
      return status;
    }
    return conn.Exec("COMMIT");
  });
}

PgDatabase::PoolStats PgDatabase::Stats() const {
  std::lock_guard lock(mutex_);
  return PoolStats{.size = open_, .in_use = in_use_, .waits_timed_out = timeouts_};
}

absl::Status PgDatabase::Migrate() {
  return InTransaction([this](PgConnection& conn) -> absl::Status {
    // A migration (and waiting for another migrator) may take longer than a call may.
    if (absl::Status s = conn.Exec("SET LOCAL statement_timeout = 0"); !s.ok()) {
      return s;
    }
    // One migrator at a time across replicas (a Kubernetes Job and a starting pod may race).
    if (absl::StatusOr<PgRows> lock = conn.Query("SELECT pg_advisory_xact_lock(7473257)");
        !lock.ok()) {
      return lock.status();
    }
    if (absl::Status s =
            conn.Exec("CREATE TABLE IF NOT EXISTS warden_schema (version INTEGER NOT NULL)");
        !s.ok()) {
      return s;
    }
    absl::StatusOr<PgRows> rows = conn.Query("SELECT version FROM warden_schema");
    if (!rows.ok()) {
      return rows.status();
    }
    int64_t current = rows->size() == 0 ? 0 : rows->Int(0, 0);
    const int64_t latest = LatestSchemaVersion();
    if (current > latest) {
      return absl::FailedPreconditionError(absl::StrCat("the database schema is version ", current,
                                                        ", newer than this build knows (", latest,
                                                        "): run a newer wardend"));
    }
    if (current < latest && !options_.migrate) {
      return absl::FailedPreconditionError(absl::StrCat("the database schema is version ", current,
                                                        "; run `wardend migrate` to "
                                                        "bring it to ",
                                                        latest));
    }
    for (; current < latest; ++current) {
      if (absl::Status s = conn.Exec(Migrations()[static_cast<size_t>(current)]); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("migration ", current + 1, ": ", s.message()));
      }
    }
    if (absl::Status s = conn.Exec("DELETE FROM warden_schema"); !s.ok()) {
      return s;
    }
    return conn.Query("INSERT INTO warden_schema (version) VALUES ($1)", {std::to_string(latest)})
        .status();
  });
}

}  // namespace warden::storage
