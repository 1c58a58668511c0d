#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// The statement text of the SQL stores, written once. Placeholders are PostgreSQL's numbered
// `$N`; for SQLite they become `?N` (the same numbered binding). Where the two engines really
// differ the statement says so: row locks (PostgreSQL's FOR UPDATE; SQLite has one writer), and
// how a rotation learns whether the successor was used.
namespace warden::storage::sql {

enum class Dialect { kSqlite, kPostgres };

// Column lists, in the order the readers of sql_rows.h expect.
inline constexpr absl::string_view kUserColumns =
    "id, username, username_key, email, email_key, full_name, password_hash, roles, "
    "created_at_us, disabled";
inline constexpr absl::string_view kSessionColumns =
    "id, user_id, created_at_us, expires_at_us, revoked_at_us, refresh_mode";
inline constexpr absl::string_view kApiKeyColumns =
    "id, name, hash, roles, created_by, created_at_us, expires_at_us, last_used_at_us, "
    "revoked_at_us";
inline constexpr absl::string_view kSigningKeyColumns =
    "kid, algorithm, public_jwk, sealed_private_key, created_at_us, activate_at_us, "
    "withdrawn_at_us";
inline constexpr absl::string_view kAuditColumns =
    "seq, at_us, type, user_id, username, session_id, detail, trace_id";

struct Statements {
  // Every store: a cheap statement that fails when the schema is missing.
  std::string ping;

  // users. Parameters in the order the columns are listed; every UPDATE returns the id.
  std::string insert_user;
  std::string find_user_by_username_key;  // $1 username_key
  std::string find_user_by_id;            // $1 id
  std::string list_users;                 // $1 after username_key, $2 limit
  std::string update_password_hash;       // $1 hash, $2 id
  std::string update_roles;               // $1 roles, $2 id
  std::string set_disabled;               // $1 disabled, $2 id
  std::string delete_user;                // $1 now, $2 id

  // sessions and refresh tokens
  std::string insert_session;        // id, user_id, created_at, expires_at, refresh_mode
  std::string insert_refresh_token;  // $1 hash, $2 session id
  // $1 presented hash -> kSessionColumns, spent_at_us, sealed_successor, successor_hash and, on
  // SQLite only, whether the successor is still unused (one writer: the subquery sees it). On
  // PostgreSQL the rows are locked, and `successor_unused` is asked in a statement of its own
  // (under READ COMMITTED it sees a successor a concurrent rotation just committed).
  std::string rotate_select;
  std::string successor_unused;      // $1 successor hash -> spent_at_us IS NULL
  std::string spend_refresh_token;   // $1 now, $2 successor hash, $3 sealed successor, $4 hash
  std::string revoke_session_now;    // $1 now, $2 id
  std::string revoke_session;        // $1 now, $2 id; keeps an earlier revocation time
  std::string list_user_sessions;    // $1 user id, $2 now
  std::string revoke_user_sessions;  // $1 now, $2 user id -> kSessionColumns
  std::string list_sessions_revoked_since;  // $1 since
  std::string upsert_revoked_access_token;  // $1 jti, $2 expires_at
  std::string list_revoked_access_tokens;   // $1 now -> jti, expires_at_us
  std::vector<std::string> purge_expired;   // $1 before, each; in this order

  // signing keys
  std::string list_signing_keys;
  std::string insert_signing_key;    // the first six kSigningKeyColumns
  std::string withdraw_signing_key;  // $1 now, $2 kid
  std::string delete_signing_key;    // $1 kid

  // audit
  std::string insert_audit_event;  // at, type, user_id, username_key, username, session, detail,
                                   // trace_id
  std::string list_audit_events;   // $1 user id or '', $2 username key or '', $3 since, $4 limit

  // API keys
  std::string insert_api_key;  // the first seven kApiKeyColumns
  std::string find_api_key;    // $1 id
  std::string list_api_keys;   // $1 include revoked
  std::string revoke_api_key;  // $1 now, $2 id
  std::string touch_api_key;   // $1 now, $2 id
};

const Statements& StatementsFor(Dialect dialect);

// `$N` -> `?N` for SQLite; PostgreSQL text unchanged.
std::string InDialect(absl::string_view text, Dialect dialect);

}  // namespace warden::storage::sql
