#include "storage/postgres/pg_store_support.h"
#include "storage/postgres/pg_stores.h"

namespace warden::storage {

using pg::Each;
using pg::RunOn;
using pg::S;
using pg::Sql;
using pg::UpdateOne;
using pg::Us;

namespace {

absl::StatusOr<std::vector<core::Session>> Sessions(PgDatabase& db, absl::string_view sql,
                                                    const std::vector<PgParam>& params,
                                                    PgDatabase* replica = nullptr) {
  std::vector<core::Session> out;
  absl::Status status = pg::EachLagTolerant(db, replica, sql, params, [&](const sql::SqlRow& row) {
    out.push_back(sql::ReadSession(row));
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

}  // namespace

absl::Status PgSessionStore::CreateSession(const core::Session& session,
                                           absl::string_view refresh_hash) {
  return db_.InTransaction([&](PgConnection& conn) -> absl::Status {
    if (absl::Status s = RunOn(
            conn, Sql().insert_session,
            {S(session.id), S(session.user_id), Us(session.created_at), Us(session.expires_at),
             std::to_string(sql::RefreshModeColumn(session.refresh_mode))});
        !s.ok()) {
      return s;
    }
    return RunOn(conn, Sql().insert_refresh_token, {S(refresh_hash), S(session.id)});
  });
}

absl::StatusOr<core::RotateResult> PgSessionStore::Rotate(const core::RotateRequest& request) {
  absl::StatusOr<core::RotateResult> result;
  absl::Status status = db_.InTransaction([&](PgConnection& conn) -> absl::Status {
    const sql::RotationSteps steps{
        // The row locks make concurrent rotations of one token, on any replica, take turns: the
        // second sees the token spent, and its successor unused, so it is a retry.
        .find = [&]() -> absl::StatusOr<std::optional<sql::PresentedToken>> {
          std::optional<sql::PresentedToken> found;
          absl::Status s = RunOn(
              conn, Sql().rotate_select, {S(request.presented_hash)}, [&](const sql::SqlRow& row) {
                found = sql::PresentedToken{
                    .session = sql::ReadSession(row),
                    .spent_at = row.OptionalTime(6),
                    .sealed_successor = row.IsNull(7) ? "" : row.Text(7),
                    .successor_hash = row.IsNull(8) ? std::nullopt : std::optional(row.Text(8)),
                    .successor_unused = std::nullopt};
              });
          if (!s.ok()) {
            return s;
          }
          return found;
        },
        // A statement of its own: under READ COMMITTED it sees the successor a concurrent
        // rotation (the one this transaction waited for) just committed; a subquery of the
        // locking SELECT would still use that statement's older snapshot and miss it.
        .successor_unused = [&](const std::string& successor_hash) -> absl::StatusOr<bool> {
          bool unused = false;
          absl::Status s = RunOn(conn, Sql().successor_unused, {S(successor_hash)},
                                 [&](const sql::SqlRow& row) { unused = row.Bool(0); });
          if (!s.ok()) {
            return s;
          }
          return unused;
        },
        .revoke_session =
            [&](const core::Session& session) {
              return RunOn(conn, Sql().revoke_session_now, {Us(request.now), S(session.id)});
            },
        .spend_and_insert_successor =
            [&](const core::Session& session) {
              if (absl::Status s = RunOn(conn, Sql().spend_refresh_token,
                                         {Us(request.now), S(request.next_hash),
                                          S(request.sealed_next), S(request.presented_hash)});
                  !s.ok()) {
                return s;
              }
              return RunOn(conn, Sql().insert_refresh_token, {S(request.next_hash), S(session.id)});
            }};
    result = sql::Rotate(request, steps);
    return result.status();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::Status PgSessionStore::RevokeSession(absl::string_view id, core::WallTime now) {
  return UpdateOne(db_, Sql().revoke_session, {Us(now), S(id)}, "no such session");
}

absl::Status PgSessionStore::RevokeAccessToken(const core::Revocation& revocation) {
  return Each(db_, Sql().upsert_revoked_access_token,
              {S(revocation.id), Us(revocation.expires_at)});
}

absl::StatusOr<std::vector<core::Session>> PgSessionStore::ListSessionsRevokedSince(
    core::WallTime since) {
  return Sessions(db_, Sql().list_sessions_revoked_since, {Us(since)});
}

absl::StatusOr<std::vector<core::Revocation>> PgSessionStore::ListRevokedAccessTokens(
    core::WallTime now) {
  std::vector<core::Revocation> out;
  absl::Status status =
      Each(db_, Sql().list_revoked_access_tokens, {Us(now)},
           [&](const sql::SqlRow& row) { out.push_back(sql::ReadRevocation(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::StatusOr<int64_t> PgSessionStore::PurgeExpired(core::WallTime before) {
  int64_t deleted = 0;
  absl::Status status = db_.InTransaction([&](PgConnection& conn) -> absl::Status {
    for (const std::string& sql : Sql().purge_expired) {
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
  return Sessions(db_, Sql().list_user_sessions, {S(user_id), Us(now)}, replica_);
}

absl::StatusOr<std::vector<core::Session>> PgSessionStore::RevokeUserSessions(
    absl::string_view user_id, core::WallTime now) {
  return Sessions(db_, Sql().revoke_user_sessions, {Us(now), S(user_id)});
}

}  // namespace warden::storage
