#include "storage/sqlite/sqlite_store_support.h"
#include "storage/sqlite/sqlite_stores.h"

namespace warden::storage {

using sql::ToMicros;
using sqlite::Each;
using sqlite::RunOn;
using sqlite::Sql;
using sqlite::UpdateOne;

namespace {

absl::StatusOr<std::vector<core::Session>> Sessions(SqliteDatabase& db, bool write,
                                                    absl::string_view sql,
                                                    const sqlite::Binder& bind) {
  std::vector<core::Session> out;
  absl::Status status = Each(db, write, sql, bind,
                             [&](const sql::SqlRow& row) { out.push_back(sql::ReadSession(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

}  // namespace

absl::Status SqliteSessionStore::CreateSession(const core::Session& session,
                                               absl::string_view refresh_hash) {
  return db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    if (absl::Status s = RunOn(db, Sql().insert_session,
                               [&](SqliteStatement& st) {
                                 st.Bind(1, session.id)
                                     .Bind(2, session.user_id)
                                     .Bind(3, ToMicros(session.created_at))
                                     .Bind(4, ToMicros(session.expires_at))
                                     .Bind(5, sql::RefreshModeColumn(session.refresh_mode));
                               });
        !s.ok()) {
      return s;
    }
    return RunOn(db, Sql().insert_refresh_token,
                 [&](SqliteStatement& st) { st.Bind(1, refresh_hash).Bind(2, session.id); });
  });
}

absl::StatusOr<core::RotateResult> SqliteSessionStore::Rotate(const core::RotateRequest& request) {
  absl::StatusOr<core::RotateResult> result;
  // SQLite has one writer: the transaction holds it from the SELECT on, so the subquery of
  // rotate_select sees every committed successor.
  absl::Status status = db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    const sql::RotationSteps steps{
        .find = [&]() -> absl::StatusOr<std::optional<sql::PresentedToken>> {
          std::optional<sql::PresentedToken> found;
          absl::Status s = RunOn(
              db, Sql().rotate_select,
              [&](SqliteStatement& st) { st.Bind(1, request.presented_hash); },
              [&](const sql::SqlRow& row) {
                found = sql::PresentedToken{.session = sql::ReadSession(row),
                                            .spent_at = row.OptionalTime(6),
                                            .sealed_successor = row.IsNull(7) ? "" : row.Text(7),
                                            .successor_hash = std::nullopt,
                                            .successor_unused = !row.IsNull(9) && row.Int(9) == 1};
              });
          if (!s.ok()) {
            return s;
          }
          return found;
        },
        .successor_unused = nullptr,
        .revoke_session =
            [&](const core::Session& session) {
              return RunOn(db, Sql().revoke_session_now, [&](SqliteStatement& st) {
                st.Bind(1, ToMicros(request.now)).Bind(2, session.id);
              });
            },
        .spend_and_insert_successor =
            [&](const core::Session& session) {
              if (absl::Status s = RunOn(db, Sql().spend_refresh_token,
                                         [&](SqliteStatement& st) {
                                           st.Bind(1, ToMicros(request.now))
                                               .Bind(2, request.next_hash)
                                               .Bind(3, request.sealed_next)
                                               .Bind(4, request.presented_hash);
                                         });
                  !s.ok()) {
                return s;
              }
              return RunOn(db, Sql().insert_refresh_token, [&](SqliteStatement& st) {
                st.Bind(1, request.next_hash).Bind(2, session.id);
              });
            }};
    result = sql::Rotate(request, steps);
    return result.status();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::Status SqliteSessionStore::RevokeSession(absl::string_view id, core::WallTime now) {
  return UpdateOne(
      db_, Sql().revoke_session,
      [&](SqliteStatement& st) { st.Bind(1, ToMicros(now)).Bind(2, id); }, "no such session");
}

absl::StatusOr<std::vector<core::Session>> SqliteSessionStore::ListUserSessions(
    absl::string_view user_id, core::WallTime now) {
  return Sessions(db_, false, Sql().list_user_sessions,
                  [&](SqliteStatement& st) { st.Bind(1, user_id).Bind(2, ToMicros(now)); });
}

absl::StatusOr<std::vector<core::Session>> SqliteSessionStore::RevokeUserSessions(
    absl::string_view user_id, core::WallTime now) {
  return Sessions(db_, true, Sql().revoke_user_sessions,
                  [&](SqliteStatement& st) { st.Bind(1, ToMicros(now)).Bind(2, user_id); });
}

absl::Status SqliteSessionStore::RevokeAccessToken(const core::Revocation& revocation) {
  return Each(db_, true, Sql().upsert_revoked_access_token, [&](SqliteStatement& st) {
    st.Bind(1, revocation.id).Bind(2, ToMicros(revocation.expires_at));
  });
}

absl::StatusOr<std::vector<core::Session>> SqliteSessionStore::ListSessionsRevokedSince(
    core::WallTime since) {
  return Sessions(db_, false, Sql().list_sessions_revoked_since,
                  [&](SqliteStatement& st) { st.Bind(1, ToMicros(since)); });
}

absl::StatusOr<std::vector<core::Revocation>> SqliteSessionStore::ListRevokedAccessTokens(
    core::WallTime now) {
  std::vector<core::Revocation> out;
  absl::Status status = Each(
      db_, false, Sql().list_revoked_access_tokens,
      [&](SqliteStatement& st) { st.Bind(1, ToMicros(now)); },
      [&](const sql::SqlRow& row) { out.push_back(sql::ReadRevocation(row)); });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::StatusOr<int64_t> SqliteSessionStore::PurgeExpired(core::WallTime before) {
  int64_t deleted = 0;
  absl::Status status = db_.WithConnection(true, [&](SqliteDatabase& db) -> absl::Status {
    for (const std::string& sql : Sql().purge_expired) {
      if (absl::Status s =
              RunOn(db, sql, [&](SqliteStatement& st) { st.Bind(1, ToMicros(before)); });
          !s.ok()) {
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

}  // namespace warden::storage
