#include "storage/sqlite/sqlite_stores.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace warden::storage {
namespace {

using Statement = std::unique_ptr<SqliteStatement>;

int64_t ToMicros(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

core::WallTime FromMicros(int64_t us) {
  return core::WallTime(
      std::chrono::duration_cast<core::WallTime::duration>(std::chrono::microseconds(us)));
}

constexpr absl::string_view kUserColumns =
    "id, username, username_key, email, email_key, full_name, password_hash, roles, "
    "created_at_us, disabled";

core::User ReadUser(const SqliteStatement& row) {
  core::User user{
      .id = row.Text(0),
      .username = row.Text(1),
      .username_key = row.Text(2),
      .email = row.Text(3),
      .email_key = row.Text(4),
      .full_name = row.Text(5),
      .password_hash = row.Text(6),
      .roles = {},
      .created_at = FromMicros(row.Int(8)),
      .disabled = row.Int(9) != 0,
  };
  const std::string roles = row.Text(7);
  if (!roles.empty()) {
    user.roles = absl::StrSplit(roles, ',');
  }
  return user;
}

core::Session ReadSession(const SqliteStatement& row) {
  core::Session session{
      .id = row.Text(0),
      .user_id = row.Text(1),
      .created_at = FromMicros(row.Int(2)),
      .expires_at = FromMicros(row.Int(3)),
      .revoked_at = std::nullopt,
  };
  if (!row.IsNull(4)) {
    session.revoked_at = FromMicros(row.Int(4));
  }
  session.refresh_mode =
      row.Int(5) == 1 ? core::RefreshMode::kStable : core::RefreshMode::kRotating;
  return session;
}

constexpr absl::string_view kSessionColumns =
    "id, user_id, created_at_us, expires_at_us, revoked_at_us, refresh_mode";

// Runs an "UPDATE ... RETURNING" in a transaction with `first` bound to ?1 and `key` to ?2;
// kNotFound with `missing` when no row matched.
template <typename Value>
absl::Status UpdateOne(SqliteDatabase& database, absl::string_view sql, const Value& first,
                       absl::string_view key, absl::string_view missing) {
  bool found = false;
  absl::Status status = database.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> update = db.Prepare(sql);
    if (!update.ok()) {
      return update.status();
    }
    (*update)->Bind(1, first).Bind(2, key);
    absl::StatusOr<bool> row = (*update)->Step();
    if (!row.ok()) {
      return row.status();
    }
    found = *row;
    return absl::OkStatus();
  });
  if (status.ok() && !found) {
    return absl::NotFoundError(missing);
  }
  return status;
}

}  // namespace

absl::Status SqliteUserStore::Create(const core::User& user) {
  static const std::string sql =
      absl::StrCat("INSERT INTO users (", kUserColumns, ") VALUES (?,?,?,?,?,?,?,?,?,?)");
  absl::Status status = db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> insert = db.Prepare(sql);
    if (!insert.ok()) {
      return insert.status();
    }
    (*insert)
        ->Bind(1, user.id)
        .Bind(2, user.username)
        .Bind(3, user.username_key)
        .Bind(4, user.email)
        .Bind(5, user.email_key)
        .Bind(6, user.full_name)
        .Bind(7, user.password_hash)
        .Bind(8, absl::StrJoin(user.roles, ","))
        .Bind(9, ToMicros(user.created_at))
        .Bind(10, int64_t{user.disabled ? 1 : 0});
    return (*insert)->Run();
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    if (status.message().find("users.email_key") != absl::string_view::npos) {
      return absl::AlreadyExistsError("email: already registered");
    }
    if (status.message().find("users.username_key") != absl::string_view::npos) {
      return absl::AlreadyExistsError("username: already taken");
    }
    return absl::AlreadyExistsError("id: already used");
  }
  return status;
}

absl::StatusOr<core::User> SqliteUserStore::FindBy(absl::string_view sql, absl::string_view key) {
  absl::StatusOr<core::User> found = absl::NotFoundError("no such user");
  absl::Status status = db_.WithConnection(false, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare(sql);
    if (!select.ok()) {
      return select.status();
    }
    (*select)->Bind(1, key);
    absl::StatusOr<bool> row = (*select)->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (*row) {
      found = ReadUser(**select);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return found;
}

absl::StatusOr<core::User> SqliteUserStore::FindByUsernameKey(absl::string_view username_key) {
  static const std::string sql = absl::StrCat(
      "SELECT ", kUserColumns, " FROM users WHERE username_key = ? AND deleted_at_us IS NULL");
  return FindBy(sql, username_key);
}

absl::StatusOr<core::User> SqliteUserStore::FindById(absl::string_view id) {
  static const std::string sql =
      absl::StrCat("SELECT ", kUserColumns, " FROM users WHERE id = ? AND deleted_at_us IS NULL");
  return FindBy(sql, id);
}

absl::Status SqliteUserStore::UpdatePasswordHash(absl::string_view id,
                                                 absl::string_view password_hash) {
  return UpdateOne(db_, "UPDATE users SET password_hash = ? WHERE id = ? RETURNING id",
                   password_hash, id, "no such user");
}

absl::StatusOr<std::vector<core::User>> SqliteUserStore::ListUsers(
    absl::string_view after_username_key, size_t limit) {
  static const std::string sql =
      absl::StrCat("SELECT ", kUserColumns,
                   " FROM users WHERE username_key > ? AND deleted_at_us IS NULL "
                   "ORDER BY username_key LIMIT ?");
  std::vector<core::User> out;
  absl::Status status = db_.WithConnection(false, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare(sql);
    if (!select.ok()) {
      return select.status();
    }
    (*select)->Bind(1, after_username_key).Bind(2, static_cast<int64_t>(limit));
    return (*select)->ForEachRow([&](const SqliteStatement& r) { out.push_back(ReadUser(r)); });
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status SqliteUserStore::UpdateRoles(absl::string_view id,
                                          const std::vector<std::string>& roles) {
  return UpdateOne(db_,
                   "UPDATE users SET roles = ? WHERE id = ? AND deleted_at_us IS NULL RETURNING id",
                   absl::StrJoin(roles, ","), id, "no such user");
}

absl::Status SqliteUserStore::SetDisabled(absl::string_view id, bool disabled) {
  return UpdateOne(
      db_, "UPDATE users SET disabled = ? WHERE id = ? AND deleted_at_us IS NULL RETURNING id",
      int64_t{disabled ? 1 : 0}, id, "no such user");
}

absl::Status SqliteUserStore::DeleteUser(absl::string_view id, core::WallTime now) {
  return UpdateOne(db_,
                   "UPDATE users SET username = '', username_key = 'deleted:' || id, email = '', "
                   "email_key = 'deleted:' || id, full_name = '', password_hash = '', roles = '', "
                   "disabled = 1, deleted_at_us = ? WHERE id = ? AND deleted_at_us IS NULL "
                   "RETURNING id",
                   ToMicros(now), id, "no such user");
}

absl::Status SqliteUserStore::Ping() {
  return db_.WithConnection(false, [](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare("SELECT count(*) FROM users WHERE 0");
    if (!select.ok()) {
      return select.status();
    }
    return (*select)->Run();
  });
}

absl::Status SqliteSessionStore::CreateSession(const core::Session& session,
                                               absl::string_view refresh_hash) {
  return db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> insert = db.Prepare(
        "INSERT INTO sessions (id, user_id, created_at_us, expires_at_us, refresh_mode) "
        "VALUES (?,?,?,?,?)");
    if (!insert.ok()) {
      return insert.status();
    }
    (*insert)
        ->Bind(1, session.id)
        .Bind(2, session.user_id)
        .Bind(3, ToMicros(session.created_at))
        .Bind(4, ToMicros(session.expires_at))
        .Bind(5, int64_t{session.refresh_mode == core::RefreshMode::kStable ? 1 : 0});
    if (absl::Status s = (*insert)->Run(); !s.ok()) {
      return s;
    }
    insert->reset();
    absl::StatusOr<Statement> token =
        db.Prepare("INSERT INTO refresh_tokens (hash, session_id) VALUES (?,?)");
    if (!token.ok()) {
      return token.status();
    }
    (*token)->Bind(1, refresh_hash).Bind(2, session.id);
    return (*token)->Run();
  });
}

absl::StatusOr<core::RotateResult> SqliteSessionStore::Rotate(const core::RotateRequest& request) {
  static const std::string select_sql = absl::StrCat(
      "SELECT s.id, s.user_id, s.created_at_us, s.expires_at_us, s.revoked_at_us, "
      "s.refresh_mode, t.spent_at_us, t.successor_hash, t.sealed_successor, "
      "(SELECT n.spent_at_us IS NULL FROM refresh_tokens n WHERE n.hash = t.successor_hash) "
      "FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = ?");
  const core::WallTime now = request.now;
  core::RotateResult result;
  absl::Status status = db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare(select_sql);
    if (!select.ok()) {
      return select.status();
    }
    (*select)->Bind(1, request.presented_hash);
    absl::StatusOr<bool> row = (*select)->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      result.outcome = core::RotateOutcome::kNotFound;
      return absl::OkStatus();
    }
    result.session = ReadSession(**select);
    std::optional<core::WallTime> spent_at;
    if (!(*select)->IsNull(6)) {
      spent_at = FromMicros((*select)->Int(6));
    }
    const bool successor_unused = !(*select)->IsNull(9) && (*select)->Int(9) == 1;
    std::string sealed_successor = (*select)->IsNull(8) ? "" : (*select)->Text(8);
    select->reset();

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
      if (now - *spent_at <= request.grace && successor_unused) {
        result.outcome = core::RotateOutcome::kRetried;
        result.sealed_successor = std::move(sealed_successor);
        result.rotated_at = *spent_at;
        return absl::OkStatus();
      }
      absl::StatusOr<Statement> revoke =
          db.Prepare("UPDATE sessions SET revoked_at_us = ? WHERE id = ?");
      if (!revoke.ok()) {
        return revoke.status();
      }
      (*revoke)->Bind(1, ToMicros(now)).Bind(2, result.session.id);
      result.session.revoked_at = now;
      result.outcome = core::RotateOutcome::kReuseDetected;
      return (*revoke)->Run();
    }
    absl::StatusOr<Statement> spend = db.Prepare(
        "UPDATE refresh_tokens SET spent_at_us = ?, successor_hash = ?, sealed_successor = ? "
        "WHERE hash = ?");
    if (!spend.ok()) {
      return spend.status();
    }
    (*spend)
        ->Bind(1, ToMicros(now))
        .Bind(2, request.next_hash)
        .Bind(3, request.sealed_next)
        .Bind(4, request.presented_hash);
    if (absl::Status s = (*spend)->Run(); !s.ok()) {
      return s;
    }
    spend->reset();
    absl::StatusOr<Statement> insert =
        db.Prepare("INSERT INTO refresh_tokens (hash, session_id) VALUES (?,?)");
    if (!insert.ok()) {
      return insert.status();
    }
    (*insert)->Bind(1, request.next_hash).Bind(2, result.session.id);
    result.outcome = core::RotateOutcome::kRotated;
    return (*insert)->Run();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::Status SqliteSessionStore::RevokeSession(absl::string_view id, core::WallTime now) {
  return UpdateOne(
      db_,
      "UPDATE sessions SET revoked_at_us = coalesce(revoked_at_us, ?) WHERE id = ? RETURNING id",
      ToMicros(now), id, "no such session");
}

absl::StatusOr<std::vector<core::Session>> SqliteSessionStore::ListUserSessions(
    absl::string_view user_id, core::WallTime now) {
  static const std::string sql = absl::StrCat(
      "SELECT ", kSessionColumns,
      " FROM sessions WHERE user_id = ? AND revoked_at_us IS NULL AND expires_at_us > ? "
      "ORDER BY created_at_us DESC, id");
  std::vector<core::Session> out;
  absl::Status status = db_.WithConnection(false, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare(sql);
    if (!select.ok()) {
      return select.status();
    }
    (*select)->Bind(1, user_id).Bind(2, ToMicros(now));
    return (*select)->ForEachRow([&](const SqliteStatement& r) { out.push_back(ReadSession(r)); });
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::StatusOr<std::vector<core::Session>> SqliteSessionStore::RevokeUserSessions(
    absl::string_view user_id, core::WallTime now) {
  static const std::string sql = absl::StrCat(
      "UPDATE sessions SET revoked_at_us = ?1 WHERE user_id = ?2 AND revoked_at_us IS NULL AND "
      "expires_at_us > ?1 RETURNING ",
      kSessionColumns);
  std::vector<core::Session> out;
  absl::Status status = db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> update = db.Prepare(sql);
    if (!update.ok()) {
      return update.status();
    }
    (*update)->Bind(1, ToMicros(now)).Bind(2, user_id);
    return (*update)->ForEachRow([&](const SqliteStatement& r) { out.push_back(ReadSession(r)); });
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status SqliteSessionStore::RevokeAccessToken(const core::Revocation& revocation) {
  return db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> insert = db.Prepare(
        "INSERT INTO revoked_access_tokens (jti, expires_at_us) VALUES (?,?) "
        "ON CONFLICT (jti) DO UPDATE SET expires_at_us = excluded.expires_at_us");
    if (!insert.ok()) {
      return insert.status();
    }
    (*insert)->Bind(1, revocation.id).Bind(2, ToMicros(revocation.expires_at));
    return (*insert)->Run();
  });
}

absl::StatusOr<std::vector<core::Session>> SqliteSessionStore::ListSessionsRevokedSince(
    core::WallTime since) {
  static const std::string sql =
      absl::StrCat("SELECT ", kSessionColumns, " FROM sessions WHERE revoked_at_us >= ?");
  std::vector<core::Session> out;
  absl::Status status = db_.WithConnection(false, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare(sql);
    if (!select.ok()) {
      return select.status();
    }
    (*select)->Bind(1, ToMicros(since));
    return (*select)->ForEachRow([&](const SqliteStatement& r) { out.push_back(ReadSession(r)); });
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::StatusOr<std::vector<core::Revocation>> SqliteSessionStore::ListRevokedAccessTokens(
    core::WallTime now) {
  std::vector<core::Revocation> out;
  absl::Status status = db_.WithConnection(false, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select =
        db.Prepare("SELECT jti, expires_at_us FROM revoked_access_tokens WHERE expires_at_us > ?");
    if (!select.ok()) {
      return select.status();
    }
    (*select)->Bind(1, ToMicros(now));
    return (*select)->ForEachRow([&](const SqliteStatement& r) {
      out.push_back(core::Revocation{.id = r.Text(0), .expires_at = FromMicros(r.Int(1))});
    });
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::StatusOr<int64_t> SqliteSessionStore::PurgeExpired(core::WallTime before) {
  int64_t deleted = 0;
  absl::Status status = db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    for (absl::string_view sql : {"DELETE FROM refresh_tokens WHERE session_id IN "
                                  "(SELECT id FROM sessions WHERE expires_at_us < ?1)",
                                  "DELETE FROM sessions WHERE expires_at_us < ?1",
                                  "DELETE FROM revoked_access_tokens WHERE expires_at_us < ?1"}) {
      absl::StatusOr<Statement> del = db.Prepare(sql);
      if (!del.ok()) {
        return del.status();
      }
      (*del)->Bind(1, ToMicros(before));
      if (absl::Status s = (*del)->Run(); !s.ok()) {
        return s;
      }
      deleted += db.ChangesForLastStatement();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return deleted;
}

absl::StatusOr<std::vector<core::SigningKeyRecord>> SqliteSigningKeyStore::ListSigningKeys() {
  std::vector<core::SigningKeyRecord> out;
  absl::Status status = db_.WithConnection(false, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare(
        "SELECT kid, algorithm, public_jwk, sealed_private_key, created_at_us, activate_at_us, "
        "withdrawn_at_us FROM signing_keys ORDER BY activate_at_us");
    if (!select.ok()) {
      return select.status();
    }
    return (*select)->ForEachRow([&](const SqliteStatement& r) {
      core::SigningKeyRecord key{.kid = r.Text(0),
                                 .algorithm = r.Text(1),
                                 .public_jwk = r.Text(2),
                                 .sealed_private_key = r.Text(3),
                                 .created_at = FromMicros(r.Int(4)),
                                 .activate_at = FromMicros(r.Int(5))};
      if (!r.IsNull(6)) {
        key.withdrawn_at = FromMicros(r.Int(6));
      }
      out.push_back(std::move(key));
    });
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status SqliteSigningKeyStore::InsertSigningKey(const core::SigningKeyRecord& record) {
  absl::Status status = db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> insert = db.Prepare(
        "INSERT INTO signing_keys (kid, algorithm, public_jwk, sealed_private_key, created_at_us, "
        "activate_at_us) VALUES (?,?,?,?,?,?)");
    if (!insert.ok()) {
      return insert.status();
    }
    (*insert)
        ->Bind(1, record.kid)
        .Bind(2, record.algorithm)
        .Bind(3, record.public_jwk)
        .Bind(4, record.sealed_private_key)
        .Bind(5, ToMicros(record.created_at))
        .Bind(6, ToMicros(record.activate_at));
    return (*insert)->Run();
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("signing key exists");
  }
  return status;
}

absl::Status SqliteSigningKeyStore::WithdrawSigningKey(absl::string_view kid, core::WallTime now) {
  return UpdateOne(db_,
                   "UPDATE signing_keys SET withdrawn_at_us = coalesce(withdrawn_at_us, ?) "
                   "WHERE kid = ? RETURNING kid",
                   ToMicros(now), kid, "no such signing key");
}

absl::Status SqliteSigningKeyStore::DeleteSigningKey(absl::string_view kid) {
  return db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> del = db.Prepare("DELETE FROM signing_keys WHERE kid = ?");
    if (!del.ok()) {
      return del.status();
    }
    (*del)->Bind(1, kid);
    return (*del)->Run();
  });
}

absl::Status SqliteAuditStore::AppendAuditEvents(const std::vector<core::AuditEvent>& events) {
  if (events.empty()) {
    return absl::OkStatus();
  }
  return db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    for (const core::AuditEvent& event : events) {
      absl::StatusOr<Statement> insert = db.Prepare(
          "INSERT INTO audit_events (at_us, type, user_id, username_key, username, session_id, "
          "detail, trace_id) VALUES (?,?,?,?,?,?,?,?)");
      if (!insert.ok()) {
        return insert.status();
      }
      (*insert)
          ->Bind(1, ToMicros(event.at))
          .Bind(2, event.type)
          .Bind(3, event.user_id)
          .Bind(4, absl::AsciiStrToLower(event.username))
          .Bind(5, event.username)
          .Bind(6, event.session_id)
          .Bind(7, event.detail)
          .Bind(8, event.trace_id);
      if (absl::Status s = (*insert)->Run(); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<core::AuditEvent>> SqliteAuditStore::ListAuditEvents(
    const core::AuditQuery& query) {
  std::vector<core::AuditEvent> out;
  absl::Status status = db_.WithConnection(false, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare(
        "SELECT seq, at_us, type, user_id, username, session_id, detail, trace_id "
        "FROM audit_events "
        "WHERE (?1 = '' OR user_id = ?1) AND (?2 = '' OR username_key = ?2) AND at_us >= ?3 "
        "ORDER BY seq LIMIT ?4");
    if (!select.ok()) {
      return select.status();
    }
    (*select)
        ->Bind(1, query.user_id)
        .Bind(2, absl::AsciiStrToLower(query.username))
        .Bind(3, query.since.has_value() ? ToMicros(*query.since) : int64_t{0})
        .Bind(4, static_cast<int64_t>(query.limit));
    return (*select)->ForEachRow([&](const SqliteStatement& r) {
      out.push_back(core::AuditEvent{.seq = r.Int(0),
                                     .at = FromMicros(r.Int(1)),
                                     .type = r.Text(2),
                                     .user_id = r.Text(3),
                                     .username = r.Text(4),
                                     .session_id = r.Text(5),
                                     .detail = r.Text(6),
                                     .trace_id = r.Text(7)});
    });
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

namespace {

constexpr absl::string_view kApiKeyColumns =
    "id, name, hash, roles, created_by, created_at_us, expires_at_us, last_used_at_us, "
    "revoked_at_us";

std::optional<core::WallTime> OptionalTime(const SqliteStatement& row, int column) {
  if (row.IsNull(column)) {
    return std::nullopt;
  }
  return FromMicros(row.Int(column));
}

core::ApiKeyRecord ReadApiKey(const SqliteStatement& row) {
  core::ApiKeyRecord key{
      .id = row.Text(0),
      .name = row.Text(1),
      .hash = row.Text(2),
      .roles = {},
      .created_by = row.Text(4),
      .created_at = FromMicros(row.Int(5)),
      .expires_at = OptionalTime(row, 6),
      .last_used_at = OptionalTime(row, 7),
      .revoked_at = OptionalTime(row, 8),
  };
  const std::string roles = row.Text(3);
  if (!roles.empty()) {
    key.roles = absl::StrSplit(roles, ',');
  }
  return key;
}

}  // namespace

absl::Status SqliteApiKeyStore::CreateApiKey(const core::ApiKeyRecord& record) {
  static const std::string sql =
      absl::StrCat("INSERT INTO api_keys (", kApiKeyColumns, ") VALUES (?,?,?,?,?,?,?,NULL,NULL)");
  absl::Status status = db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> insert = db.Prepare(sql);
    if (!insert.ok()) {
      return insert.status();
    }
    (*insert)
        ->Bind(1, record.id)
        .Bind(2, record.name)
        .Bind(3, record.hash)
        .Bind(4, absl::StrJoin(record.roles, ","))
        .Bind(5, record.created_by)
        .Bind(6, ToMicros(record.created_at));
    if (record.expires_at.has_value()) {
      (*insert)->Bind(7, ToMicros(*record.expires_at));
    }
    return (*insert)->Run();
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("API key id already used");
  }
  return status;
}

absl::StatusOr<core::ApiKeyRecord> SqliteApiKeyStore::FindApiKey(absl::string_view id) {
  static const std::string sql =
      absl::StrCat("SELECT ", kApiKeyColumns, " FROM api_keys WHERE id = ?");
  absl::StatusOr<core::ApiKeyRecord> found = absl::NotFoundError("no such API key");
  absl::Status status = db_.WithConnection(false, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare(sql);
    if (!select.ok()) {
      return select.status();
    }
    (*select)->Bind(1, id);
    return (*select)->ForEachRow([&](const SqliteStatement& r) { found = ReadApiKey(r); });
  });
  if (!status.ok()) {
    return status;
  }
  return found;
}

absl::StatusOr<std::vector<core::ApiKeyRecord>> SqliteApiKeyStore::ListApiKeys(
    bool include_revoked) {
  static const std::string all =
      absl::StrCat("SELECT ", kApiKeyColumns, " FROM api_keys ORDER BY created_at_us, id");
  static const std::string live =
      absl::StrCat("SELECT ", kApiKeyColumns,
                   " FROM api_keys WHERE revoked_at_us IS NULL ORDER BY created_at_us, id");
  std::vector<core::ApiKeyRecord> out;
  absl::Status status = db_.WithConnection(false, [&](SqliteDatabase& db) -> absl::Status {
    absl::StatusOr<Statement> select = db.Prepare(include_revoked ? all : live);
    if (!select.ok()) {
      return select.status();
    }
    return (*select)->ForEachRow([&](const SqliteStatement& r) { out.push_back(ReadApiKey(r)); });
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::Status SqliteApiKeyStore::RevokeApiKey(absl::string_view id, core::WallTime now) {
  return UpdateOne(
      db_,
      "UPDATE api_keys SET revoked_at_us = coalesce(revoked_at_us, ?) WHERE id = ? RETURNING id",
      ToMicros(now), id, "no such API key");
}

absl::Status SqliteApiKeyStore::TouchApiKey(absl::string_view id, core::WallTime now) {
  return UpdateOne(db_, "UPDATE api_keys SET last_used_at_us = ? WHERE id = ? RETURNING id",
                   ToMicros(now), id, "no such API key");
}

}  // namespace warden::storage
