#include "storage/sql/sql_statements.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace warden::storage::sql {

std::string InDialect(absl::string_view text, Dialect dialect) {
  std::string out(text);
  if (dialect == Dialect::kSqlite) {
    for (size_t i = 0; i + 1 < out.size(); ++i) {
      if (out[i] == '$' && absl::ascii_isdigit(static_cast<unsigned char>(out[i + 1]))) {
        out[i] = '?';
      }
    }
  }
  return out;
}

namespace {

Statements Make(Dialect d) {
  const bool pg = d == Dialect::kPostgres;
  auto s = [d](absl::string_view text) { return InDialect(text, d); };
  Statements st;
  st.ping = "SELECT count(*) FROM users WHERE false";

  st.insert_user = s(absl::StrCat("INSERT INTO users (", kUserColumns,
                                  ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"));
  st.find_user_by_username_key = s(absl::StrCat(
      "SELECT ", kUserColumns, " FROM users WHERE username_key = $1 AND deleted_at_us IS NULL"));
  st.find_user_by_id = s(
      absl::StrCat("SELECT ", kUserColumns, " FROM users WHERE id = $1 AND deleted_at_us IS NULL"));
  st.list_users = s(absl::StrCat("SELECT ", kUserColumns,
                                 " FROM users WHERE username_key > $1 AND deleted_at_us IS NULL "
                                 "ORDER BY username_key LIMIT $2"));
  st.update_password_hash =
      s("UPDATE users SET password_hash = $1 WHERE id = $2 AND deleted_at_us IS NULL RETURNING id");
  st.update_roles =
      s("UPDATE users SET roles = $1 WHERE id = $2 AND deleted_at_us IS NULL RETURNING id");
  st.set_disabled =
      s("UPDATE users SET disabled = $1 WHERE id = $2 AND deleted_at_us IS NULL RETURNING id");
  st.delete_user =
      s("UPDATE users SET username = '', username_key = 'deleted:' || id, email = '', "
        "email_key = 'deleted:' || id, full_name = '', password_hash = '', roles = '', "
        "disabled = true, deleted_at_us = $1 WHERE id = $2 AND deleted_at_us IS NULL "
        "RETURNING id");

  st.insert_session =
      s("INSERT INTO sessions (id, user_id, created_at_us, expires_at_us, refresh_mode) "
        "VALUES ($1,$2,$3,$4,$5)");
  st.insert_refresh_token = s("INSERT INTO refresh_tokens (hash, session_id) VALUES ($1,$2)");
  st.rotate_select = s(absl::StrCat(
      "SELECT s.id, s.user_id, s.created_at_us, s.expires_at_us, s.revoked_at_us, "
      "s.refresh_mode, t.spent_at_us, t.sealed_successor, t.successor_hash",
      pg ? ""
         : ", (SELECT n.spent_at_us IS NULL FROM refresh_tokens n WHERE n.hash = t.successor_hash)",
      " FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = $1",
      pg ? " FOR UPDATE OF t, s" : ""));
  st.successor_unused = s("SELECT spent_at_us IS NULL FROM refresh_tokens WHERE hash = $1");
  st.spend_refresh_token =
      s("UPDATE refresh_tokens SET spent_at_us = $1, successor_hash = $2, sealed_successor = $3 "
        "WHERE hash = $4");
  st.revoke_session_now = s("UPDATE sessions SET revoked_at_us = $1 WHERE id = $2");
  st.revoke_session =
      s("UPDATE sessions SET revoked_at_us = coalesce(revoked_at_us, $1) WHERE id = $2 "
        "RETURNING id");
  st.list_user_sessions = s(absl::StrCat(
      "SELECT ", kSessionColumns,
      " FROM sessions WHERE user_id = $1 AND revoked_at_us IS NULL AND expires_at_us > $2 "
      "ORDER BY created_at_us DESC, id"));
  st.revoke_user_sessions = s(absl::StrCat(
      "UPDATE sessions SET revoked_at_us = $1 WHERE user_id = $2 AND revoked_at_us IS NULL AND "
      "expires_at_us > $1 RETURNING ",
      kSessionColumns));
  st.list_sessions_revoked_since =
      s(absl::StrCat("SELECT ", kSessionColumns, " FROM sessions WHERE revoked_at_us >= $1"));
  st.upsert_revoked_access_token =
      s("INSERT INTO revoked_access_tokens (jti, expires_at_us) VALUES ($1,$2) "
        "ON CONFLICT (jti) DO UPDATE SET expires_at_us = excluded.expires_at_us");
  st.list_revoked_access_tokens =
      s("SELECT jti, expires_at_us FROM revoked_access_tokens WHERE expires_at_us > $1");
  st.purge_expired = {s("DELETE FROM refresh_tokens WHERE session_id IN "
                        "(SELECT id FROM sessions WHERE expires_at_us < $1)"),
                      s("DELETE FROM sessions WHERE expires_at_us < $1"),
                      s("DELETE FROM revoked_access_tokens WHERE expires_at_us < $1")};

  st.list_signing_keys =
      s(absl::StrCat("SELECT ", kSigningKeyColumns, " FROM signing_keys ORDER BY activate_at_us"));
  st.insert_signing_key =
      s("INSERT INTO signing_keys (kid, algorithm, public_jwk, sealed_private_key, "
        "created_at_us, activate_at_us) VALUES ($1,$2,$3,$4,$5,$6)");
  st.withdraw_signing_key =
      s("UPDATE signing_keys SET withdrawn_at_us = coalesce(withdrawn_at_us, $1) "
        "WHERE kid = $2 RETURNING kid");
  st.delete_signing_key = s("DELETE FROM signing_keys WHERE kid = $1");

  st.insert_audit_event =
      s("INSERT INTO audit_events (at_us, type, user_id, username_key, username, session_id, "
        "detail, trace_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)");
  st.list_audit_events = s(absl::StrCat(
      "SELECT ", kAuditColumns,
      " FROM audit_events WHERE (CAST($1 AS TEXT) = '' OR user_id = $1) AND "
      "(CAST($2 AS TEXT) = '' OR username_key = $2) AND at_us >= $3 ORDER BY seq LIMIT $4"));

  st.insert_api_key = s(absl::StrCat("INSERT INTO api_keys (", kApiKeyColumns,
                                     ") VALUES ($1,$2,$3,$4,$5,$6,$7,NULL,NULL)"));
  st.find_api_key = s(absl::StrCat("SELECT ", kApiKeyColumns, " FROM api_keys WHERE id = $1"));
  st.list_api_keys = s(
      absl::StrCat("SELECT ", kApiKeyColumns,
                   " FROM api_keys WHERE $1 OR revoked_at_us IS NULL ORDER BY created_at_us, id"));
  st.revoke_api_key =
      s("UPDATE api_keys SET revoked_at_us = coalesce(revoked_at_us, $1) WHERE id = $2 "
        "RETURNING id");
  st.touch_api_key = s("UPDATE api_keys SET last_used_at_us = $1 WHERE id = $2 RETURNING id");
  return st;
}

}  // namespace

const Statements& StatementsFor(Dialect dialect) {
  static const auto* sqlite = new Statements(Make(Dialect::kSqlite));
  static const auto* postgres = new Statements(Make(Dialect::kPostgres));
  return dialect == Dialect::kSqlite ? *sqlite : *postgres;
}

}  // namespace warden::storage::sql
