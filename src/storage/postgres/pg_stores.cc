#include "storage/postgres/pg_stores.h"

#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace warden::storage {
namespace {

using RowFn = std::function<void(const PgRows&, int)>;

PgParam Us(core::WallTime t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

PgParam OptUs(const std::optional<core::WallTime>& t) {
  return t.has_value() ? Us(*t) : std::nullopt;
}

PgParam S(absl::string_view value) { return std::string(value); }

core::WallTime FromUs(int64_t us) {
  return core::WallTime(
      std::chrono::duration_cast<core::WallTime::duration>(std::chrono::microseconds(us)));
}

std::optional<core::WallTime> OptFromUs(const PgRows& rows, int row, int column) {
  if (rows.IsNull(row, column)) {
    return std::nullopt;
  }
  return FromUs(rows.Int(row, column));
}

std::vector<std::string> SplitRoles(const std::string& text) {
  if (text.empty()) {
    return {};
  }
  return absl::StrSplit(text, ',');
}

// Runs one statement on a pooled connection, calling `row` for each result row.
absl::Status Each(PgDatabase& db, absl::string_view sql, const std::vector<PgParam>& params,
                  const RowFn& row = nullptr) {
  return db.WithConnection([&](PgConnection& conn) -> absl::Status {
    absl::StatusOr<PgRows> rows = conn.Query(sql, params);
    if (!rows.ok()) {
      return rows.status();
    }
    for (int i = 0; row && i < rows->size(); ++i) {
      row(*rows, i);
    }
    return absl::OkStatus();
  });
}

// A read named lag-tolerant (admin listings, which may miss the last second of writes): on the
// read replica when one is configured, on the primary when there is none or it cannot answer
// (rows reach `row` only once a statement has succeeded, so nothing is delivered twice).
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

// Runs an UPDATE ... RETURNING; kNotFound with `missing` when no row matched.
absl::Status UpdateOne(PgDatabase& db, absl::string_view sql, const std::vector<PgParam>& params,
                       absl::string_view missing) {
  bool found = false;
  absl::Status status = Each(db, sql, params, [&](const PgRows&, int) { found = true; });
  if (status.ok() && !found) {
    return absl::NotFoundError(missing);
  }
  return status;
}

constexpr absl::string_view kUserColumns =
    "id, username, username_key, email, email_key, full_name, password_hash, roles, "
    "created_at_us, disabled";

core::User ReadUser(const PgRows& r, int i) {
  return core::User{.id = r.Text(i, 0),
                    .username = r.Text(i, 1),
                    .username_key = r.Text(i, 2),
                    .email = r.Text(i, 3),
                    .email_key = r.Text(i, 4),
                    .full_name = r.Text(i, 5),
                    .password_hash = r.Text(i, 6),
                    .roles = SplitRoles(r.Text(i, 7)),
                    .created_at = FromUs(r.Int(i, 8)),
                    .disabled = r.Text(i, 9) == "t"};
}

constexpr absl::string_view kSessionColumns =
    "id, user_id, created_at_us, expires_at_us, revoked_at_us, refresh_mode";

core::Session ReadSession(const PgRows& r, int i) {
  return core::Session{
      .id = r.Text(i, 0),
      .user_id = r.Text(i, 1),
      .created_at = FromUs(r.Int(i, 2)),
      .expires_at = FromUs(r.Int(i, 3)),
      .revoked_at = OptFromUs(r, i, 4),
      .refresh_mode = r.Int(i, 5) == 1 ? core::RefreshMode::kStable : core::RefreshMode::kRotating};
}

absl::StatusOr<std::vector<core::Session>> Sessions(PgDatabase& db, absl::string_view sql,
                                                    const std::vector<PgParam>& params,
                                                    PgDatabase* replica = nullptr) {
  std::vector<core::Session> out;
  absl::Status status = EachLagTolerant(
      db, replica, sql, params, [&](const PgRows& r, int i) { out.push_back(ReadSession(r, i)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

constexpr absl::string_view kApiKeyColumns =
    "id, name, hash, roles, created_by, created_at_us, expires_at_us, last_used_at_us, "
    "revoked_at_us";

core::ApiKeyRecord ReadApiKey(const PgRows& r, int i) {
  return core::ApiKeyRecord{.id = r.Text(i, 0),
                            .name = r.Text(i, 1),
                            .hash = r.Text(i, 2),
                            .roles = SplitRoles(r.Text(i, 3)),
                            .created_by = r.Text(i, 4),
                            .created_at = FromUs(r.Int(i, 5)),
                            .expires_at = OptFromUs(r, i, 6),
                            .last_used_at = OptFromUs(r, i, 7),
                            .revoked_at = OptFromUs(r, i, 8)};
}

}  // namespace

// --- users -------------------------------------------------------------------------------------

absl::Status PgUserStore::Create(const core::User& user) {
  static const std::string sql = absl::StrCat("INSERT INTO users (", kUserColumns,
                                              ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)");
  absl::Status status =
      Each(db_, sql,
           {S(user.id), S(user.username), S(user.username_key), S(user.email), S(user.email_key),
            S(user.full_name), S(user.password_hash), S(absl::StrJoin(user.roles, ",")),
            Us(user.created_at), S(user.disabled ? "true" : "false")});
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    if (absl::StrContains(status.message(), "email_key")) {
      return absl::AlreadyExistsError("email: already registered");
    }
    if (absl::StrContains(status.message(), "username_key")) {
      return absl::AlreadyExistsError("username: already taken");
    }
    return absl::AlreadyExistsError("id: already used");
  }
  return status;
}

absl::StatusOr<core::User> PgUserStore::FindOne(absl::string_view sql, absl::string_view key) {
  absl::StatusOr<core::User> found = absl::NotFoundError("no such user");
  absl::Status status =
      Each(db_, sql, {S(key)}, [&](const PgRows& r, int i) { found = ReadUser(r, i); });
  if (!status.ok()) {
    return status;
  }
  return found;
}

absl::StatusOr<core::User> PgUserStore::FindByUsernameKey(absl::string_view username_key) {
  static const std::string sql = absl::StrCat(
      "SELECT ", kUserColumns, " FROM users WHERE username_key = $1 AND deleted_at_us IS NULL");
  return FindOne(sql, username_key);
}

absl::StatusOr<core::User> PgUserStore::FindById(absl::string_view id) {
  static const std::string sql =
      absl::StrCat("SELECT ", kUserColumns, " FROM users WHERE id = $1 AND deleted_at_us IS NULL");
  return FindOne(sql, id);
}

absl::Status PgUserStore::UpdatePasswordHash(absl::string_view id,
                                             absl::string_view password_hash) {
  return UpdateOne(db_,
                   "UPDATE users SET password_hash = $1 WHERE id = $2 AND deleted_at_us IS NULL "
                   "RETURNING id",
                   {S(password_hash), S(id)}, "no such user");
}

absl::StatusOr<std::vector<core::User>> PgUserStore::ListUsers(absl::string_view after_username_key,
                                                               size_t limit) {
  static const std::string sql = absl::StrCat(
      "SELECT ", kUserColumns,
      " FROM users WHERE username_key > $1 AND deleted_at_us IS NULL ORDER BY username_key "
      "LIMIT $2");
  std::vector<core::User> out;
  absl::Status status =
      EachLagTolerant(db_, replica_, sql, {S(after_username_key), std::to_string(limit)},
                      [&](const PgRows& r, int i) { out.push_back(ReadUser(r, i)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status PgUserStore::UpdateRoles(absl::string_view id, const std::vector<std::string>& roles) {
  return UpdateOne(
      db_, "UPDATE users SET roles = $1 WHERE id = $2 AND deleted_at_us IS NULL RETURNING id",
      {S(absl::StrJoin(roles, ",")), S(id)}, "no such user");
}

absl::Status PgUserStore::SetDisabled(absl::string_view id, bool disabled) {
  return UpdateOne(
      db_, "UPDATE users SET disabled = $1 WHERE id = $2 AND deleted_at_us IS NULL RETURNING id",
      {S(disabled ? "true" : "false"), S(id)}, "no such user");
}

absl::Status PgUserStore::DeleteUser(absl::string_view id, core::WallTime now) {
  return UpdateOne(db_,
                   "UPDATE users SET username = '', username_key = 'deleted:' || id, email = '', "
                   "email_key = 'deleted:' || id, full_name = '', password_hash = '', roles = '', "
                   "disabled = true, deleted_at_us = $1 WHERE id = $2 AND deleted_at_us IS NULL "
                   "RETURNING id",
                   {Us(now), S(id)}, "no such user");
}

absl::Status PgUserStore::Ping() { return Each(db_, "SELECT 1", {}); }

// --- sessions ----------------------------------------------------------------------------------

absl::Status PgSessionStore::CreateSession(const core::Session& session,
                                           absl::string_view refresh_hash) {
  return db_.InTransaction([&](PgConnection& conn) -> absl::Status {
    absl::StatusOr<PgRows> inserted = conn.Query(
        "INSERT INTO sessions (id, user_id, created_at_us, expires_at_us, refresh_mode) "
        "VALUES ($1,$2,$3,$4,$5)",
        {S(session.id), S(session.user_id), Us(session.created_at), Us(session.expires_at),
         S(session.refresh_mode == core::RefreshMode::kStable ? "1" : "0")});
    if (!inserted.ok()) {
      return inserted.status();
    }
    return conn
        .Query("INSERT INTO refresh_tokens (hash, session_id) VALUES ($1,$2)",
               {S(refresh_hash), S(session.id)})
        .status();
  });
}

absl::StatusOr<core::RotateResult> PgSessionStore::Rotate(const core::RotateRequest& request) {
  const core::WallTime now = request.now;
  core::RotateResult result;
  absl::Status status = db_.InTransaction([&](PgConnection& conn) -> absl::Status {
    // The row locks make concurrent rotations of one token, on any replica, take turns: the
    // second sees the token spent, and its successor unused, so it is a retry.
    absl::StatusOr<PgRows> rows = conn.Query(
        "SELECT s.id, s.user_id, s.created_at_us, s.expires_at_us, s.revoked_at_us, "
        "s.refresh_mode, t.spent_at_us, t.sealed_successor, t.successor_hash "
        "FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id "
        "WHERE t.hash = $1 FOR UPDATE OF t, s",
        {S(request.presented_hash)});
    if (!rows.ok()) {
      return rows.status();
    }
    if (rows->size() == 0) {
      result.outcome = core::RotateOutcome::kNotFound;
      return absl::OkStatus();
    }
    result.session = ReadSession(*rows, 0);
    const std::optional<core::WallTime> spent_at = OptFromUs(*rows, 0, 6);
    if (result.session.revoked_at.has_value()) {
      result.outcome = core::RotateOutcome::kRevoked;
      return absl::OkStatus();
    }
    if (now >= result.session.expires_at) {
      result.outcome = core::RotateOutcome::kExpired;
      return absl::OkStatus();
    }
    if (result.session.refresh_mode == core::RefreshMode::kStable) {
      result.outcome = core::RotateOutcome::kKept;
      return absl::OkStatus();
    }
    if (spent_at.has_value()) {
      // A statement of its own: under READ COMMITTED it sees the successor a concurrent
      // rotation (the one this transaction waited for) just committed; a subquery of the
      // locking SELECT would still use that statement's older snapshot and miss it.
      bool successor_unused = false;
      if (!rows->IsNull(0, 8)) {
        absl::StatusOr<PgRows> successor =
            conn.Query("SELECT spent_at_us IS NULL FROM refresh_tokens WHERE hash = $1",
                       {S(rows->Text(0, 8))});
        if (!successor.ok()) {
          return successor.status();
        }
        successor_unused = successor->size() == 1 && successor->Text(0, 0) == "t";
      }
      if (now - *spent_at <= request.grace && successor_unused) {
        result.outcome = core::RotateOutcome::kRetried;
        result.sealed_successor = rows->IsNull(0, 7) ? "" : rows->Text(0, 7);
        result.rotated_at = *spent_at;
        return absl::OkStatus();
      }
      result.session.revoked_at = now;
      result.outcome = core::RotateOutcome::kReuseDetected;
      return conn
          .Query("UPDATE sessions SET revoked_at_us = $1 WHERE id = $2",
                 {Us(now), S(result.session.id)})
          .status();
    }
    if (absl::StatusOr<PgRows> spent = conn.Query(
            "UPDATE refresh_tokens SET spent_at_us = $1, successor_hash = $2, "
            "sealed_successor = $3 WHERE hash = $4",
            {Us(now), S(request.next_hash), S(request.sealed_next), S(request.presented_hash)});
        !spent.ok()) {
      return spent.status();
    }
    result.outcome = core::RotateOutcome::kRotated;
    return conn
        .Query("INSERT INTO refresh_tokens (hash, session_id) VALUES ($1,$2)",
               {S(request.next_hash), S(result.session.id)})
        .status();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::Status PgSessionStore::RevokeSession(absl::string_view id, core::WallTime now) {
  return UpdateOne(
      db_,
      "UPDATE sessions SET revoked_at_us = coalesce(revoked_at_us, $1) WHERE id = $2 RETURNING id",
      {Us(now), S(id)}, "no such session");
}

absl::Status PgSessionStore::RevokeAccessToken(const core::Revocation& revocation) {
  return Each(db_,
              "INSERT INTO revoked_access_tokens (jti, expires_at_us) VALUES ($1,$2) "
              "ON CONFLICT (jti) DO UPDATE SET expires_at_us = excluded.expires_at_us",
              {S(revocation.id), Us(revocation.expires_at)});
}

absl::StatusOr<std::vector<core::Session>> PgSessionStore::ListSessionsRevokedSince(
    core::WallTime since) {
  static const std::string sql =
      absl::StrCat("SELECT ", kSessionColumns, " FROM sessions WHERE revoked_at_us >= $1");
  return Sessions(db_, sql, {Us(since)});
}

absl::StatusOr<std::vector<core::Revocation>> PgSessionStore::ListRevokedAccessTokens(
    core::WallTime now) {
  std::vector<core::Revocation> out;
  absl::Status status =
      Each(db_, "SELECT jti, expires_at_us FROM revoked_access_tokens WHERE expires_at_us > $1",
           {Us(now)}, [&](const PgRows& r, int i) {
             out.push_back(core::Revocation{.id = r.Text(i, 0), .expires_at = FromUs(r.Int(i, 1))});
           });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::StatusOr<int64_t> PgSessionStore::PurgeExpired(core::WallTime before) {
  int64_t deleted = 0;
  absl::Status status = db_.InTransaction([&](PgConnection& conn) -> absl::Status {
    for (absl::string_view sql : {"DELETE FROM refresh_tokens WHERE session_id IN "
                                  "(SELECT id FROM sessions WHERE expires_at_us < $1)",
                                  "DELETE FROM sessions WHERE expires_at_us < $1",
                                  "DELETE FROM revoked_access_tokens WHERE expires_at_us < $1"}) {
      absl::StatusOr<PgRows> rows = conn.Query(sql, {Us(before)});
      if (!rows.ok()) {
        return rows.status();
      }
      deleted += rows->Affected();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return deleted;
}

absl::StatusOr<std::vector<core::Session>> PgSessionStore::ListUserSessions(
    absl::string_view user_id, core::WallTime now) {
  static const std::string sql = absl::StrCat(
      "SELECT ", kSessionColumns,
      " FROM sessions WHERE user_id = $1 AND revoked_at_us IS NULL AND expires_at_us > $2 "
      "ORDER BY created_at_us DESC, id");
  return Sessions(db_, sql, {S(user_id), Us(now)}, replica_);
}

absl::StatusOr<std::vector<core::Session>> PgSessionStore::RevokeUserSessions(
    absl::string_view user_id, core::WallTime now) {
  static const std::string sql = absl::StrCat(
      "UPDATE sessions SET revoked_at_us = $1 WHERE user_id = $2 AND revoked_at_us IS NULL AND "
      "expires_at_us > $1 RETURNING ",
      kSessionColumns);
  return Sessions(db_, sql, {Us(now), S(user_id)});
}

// --- signing keys ------------------------------------------------------------------------------

absl::StatusOr<std::vector<core::SigningKeyRecord>> PgSigningKeyStore::ListSigningKeys() {
  std::vector<core::SigningKeyRecord> out;
  absl::Status status =
      Each(db_,
           "SELECT kid, algorithm, public_jwk, sealed_private_key, created_at_us, activate_at_us, "
           "withdrawn_at_us FROM signing_keys ORDER BY activate_at_us",
           {}, [&](const PgRows& r, int i) {
             out.push_back(core::SigningKeyRecord{.kid = r.Text(i, 0),
                                                  .algorithm = r.Text(i, 1),
                                                  .public_jwk = r.Text(i, 2),
                                                  .sealed_private_key = r.Text(i, 3),
                                                  .created_at = FromUs(r.Int(i, 4)),
                                                  .activate_at = FromUs(r.Int(i, 5)),
                                                  .withdrawn_at = OptFromUs(r, i, 6)});
           });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status PgSigningKeyStore::InsertSigningKey(const core::SigningKeyRecord& record) {
  absl::Status status =
      Each(db_,
           "INSERT INTO signing_keys (kid, algorithm, public_jwk, sealed_private_key, "
           "created_at_us, activate_at_us) VALUES ($1,$2,$3,$4,$5,$6)",
           {S(record.kid), S(record.algorithm), S(record.public_jwk), S(record.sealed_private_key),
            Us(record.created_at), Us(record.activate_at)});
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("signing key exists");
  }
  return status;
}

absl::Status PgSigningKeyStore::WithdrawSigningKey(absl::string_view kid, core::WallTime now) {
  return UpdateOne(db_,
                   "UPDATE signing_keys SET withdrawn_at_us = coalesce(withdrawn_at_us, $1) "
                   "WHERE kid = $2 RETURNING kid",
                   {Us(now), S(kid)}, "no such signing key");
}

absl::Status PgSigningKeyStore::DeleteSigningKey(absl::string_view kid) {
  return Each(db_, "DELETE FROM signing_keys WHERE kid = $1", {S(kid)});
}

// --- audit -------------------------------------------------------------------------------------

absl::Status PgAuditStore::AppendAuditEvents(const std::vector<core::AuditEvent>& events) {
  if (events.empty()) {
    return absl::OkStatus();
  }
  return db_.InTransaction([&](PgConnection& conn) -> absl::Status {
    for (const core::AuditEvent& e : events) {
      absl::StatusOr<PgRows> inserted = conn.Query(
          "INSERT INTO audit_events (at_us, type, user_id, username_key, username, session_id, "
          "detail, trace_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
          {Us(e.at), S(e.type), S(e.user_id), S(absl::AsciiStrToLower(e.username)), S(e.username),
           S(e.session_id), S(e.detail), S(e.trace_id)});
      if (!inserted.ok()) {
        return inserted.status();
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<core::AuditEvent>> PgAuditStore::ListAuditEvents(
    const core::AuditQuery& query) {
  std::vector<core::AuditEvent> out;
  absl::Status status = EachLagTolerant(
      db_, replica_,
      "SELECT seq, at_us, type, user_id, username, session_id, detail, trace_id "
      "FROM audit_events WHERE ($1::text = '' OR user_id = $1) AND "
      "($2::text = '' OR username_key = $2) AND at_us >= $3 ORDER BY seq LIMIT $4",
      {S(query.user_id), S(absl::AsciiStrToLower(query.username)),
       query.since.has_value() ? Us(*query.since) : PgParam("0"), std::to_string(query.limit)},
      [&](const PgRows& r, int i) {
        out.push_back(core::AuditEvent{.seq = r.Int(i, 0),
                                       .at = FromUs(r.Int(i, 1)),
                                       .type = r.Text(i, 2),
                                       .user_id = r.Text(i, 3),
                                       .username = r.Text(i, 4),
                                       .session_id = r.Text(i, 5),
                                       .detail = r.Text(i, 6),
                                       .trace_id = r.Text(i, 7)});
      });
  if (!status.ok()) {
    return status;
  }
  return out;
}

// --- API keys ----------------------------------------------------------------------------------

absl::Status PgApiKeyStore::CreateApiKey(const core::ApiKeyRecord& record) {
  static const std::string sql = absl::StrCat("INSERT INTO api_keys (", kApiKeyColumns,
                                              ") VALUES ($1,$2,$3,$4,$5,$6,$7,NULL,NULL)");
  absl::Status status =
      Each(db_, sql,
           {S(record.id), S(record.name), S(record.hash), S(absl::StrJoin(record.roles, ",")),
            S(record.created_by), Us(record.created_at), OptUs(record.expires_at)});
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("API key id already used");
  }
  return status;
}

absl::StatusOr<core::ApiKeyRecord> PgApiKeyStore::FindApiKey(absl::string_view id) {
  static const std::string sql =
      absl::StrCat("SELECT ", kApiKeyColumns, " FROM api_keys WHERE id = $1");
  absl::StatusOr<core::ApiKeyRecord> found = absl::NotFoundError("no such API key");
  absl::Status status =
      Each(db_, sql, {S(id)}, [&](const PgRows& r, int i) { found = ReadApiKey(r, i); });
  if (!status.ok()) {
    return status;
  }
  return found;
}

absl::StatusOr<std::vector<core::ApiKeyRecord>> PgApiKeyStore::ListApiKeys(bool include_revoked) {
  static const std::string sql =
      absl::StrCat("SELECT ", kApiKeyColumns,
                   " FROM api_keys WHERE $1 OR revoked_at_us IS NULL ORDER BY created_at_us, id");
  std::vector<core::ApiKeyRecord> out;
  absl::Status status =
      EachLagTolerant(db_, replica_, sql, {S(include_revoked ? "true" : "false")},
                      [&](const PgRows& r, int i) { out.push_back(ReadApiKey(r, i)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status PgApiKeyStore::RevokeApiKey(absl::string_view id, core::WallTime now) {
  return UpdateOne(
      db_,
      "UPDATE api_keys SET revoked_at_us = coalesce(revoked_at_us, $1) WHERE id = $2 RETURNING id",
      {Us(now), S(id)}, "no such API key");
}

absl::Status PgApiKeyStore::TouchApiKey(absl::string_view id, core::WallTime now) {
  return UpdateOne(db_, "UPDATE api_keys SET last_used_at_us = $1 WHERE id = $2 RETURNING id",
                   {Us(now), S(id)}, "no such API key");
}

}  // namespace warden::storage
