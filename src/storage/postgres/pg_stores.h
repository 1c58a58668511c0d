#pragma once

#include "core/ports/api_key_store.h"
#include "core/ports/audit.h"
#include "core/ports/session_store.h"
#include "core/ports/signing_keys.h"
#include "core/ports/user_store.h"
#include "storage/postgres/pg_database.h"

namespace warden::storage {

// The store ports on PostgreSQL. Thread-safe; each keeps a reference to `db`. Same behaviour as
// the SQLite stores (one contract suite checks both); refresh rotation takes the token's row
// lock (SELECT ... FOR UPDATE), so concurrent rotations on any number of replicas give exactly
// one successor.
//
// Writes, and every read a decision depends on (login, refresh, API key lookup, revocations,
// signing keys), go to `db`, the primary. The reads named lag-tolerant go to `replica` when one
// is given (and to the primary when it cannot answer): PgUserStore::ListUsers,
// PgSessionStore::ListUserSessions, PgAuditStore::ListAuditEvents, PgApiKeyStore::ListApiKeys;
// the admin listings, where a second of replication lag is harmless.
class PgUserStore final : public core::UserStore {
 public:
  explicit PgUserStore(PgDatabase& db, PgDatabase* replica = nullptr)
      : db_(db), replica_(replica) {}
  absl::Status Create(const core::User& user) override;
  absl::StatusOr<core::User> FindByUsernameKey(absl::string_view username_key) override;
  absl::StatusOr<core::User> FindById(absl::string_view id) override;
  absl::Status UpdatePasswordHash(absl::string_view id, absl::string_view password_hash) override;
  absl::StatusOr<std::vector<core::User>> ListUsers(absl::string_view after_username_key,
                                                    size_t limit) override;
  absl::Status UpdateRoles(absl::string_view id, const std::vector<std::string>& roles) override;
  absl::Status SetDisabled(absl::string_view id, bool disabled) override;
  absl::Status DeleteUser(absl::string_view id, core::WallTime now) override;
  absl::Status Ping() override;

 private:
  absl::StatusOr<core::User> FindOne(absl::string_view sql, absl::string_view key);
  PgDatabase& db_;
  PgDatabase* replica_;  // lag-tolerant reads; nullptr: the primary
};

class PgSessionStore final : public core::SessionStore {
 public:
  explicit PgSessionStore(PgDatabase& db, PgDatabase* replica = nullptr)
      : db_(db), replica_(replica) {}
  absl::Status CreateSession(const core::Session& session, absl::string_view refresh_hash) override;
  absl::StatusOr<core::RotateResult> Rotate(const core::RotateRequest& request) override;
  absl::Status RevokeSession(absl::string_view id, core::WallTime now) override;
  absl::Status RevokeAccessToken(const core::Revocation& revocation) override;
  absl::StatusOr<std::vector<core::Session>> ListSessionsRevokedSince(
      core::WallTime since) override;
  absl::StatusOr<std::vector<core::Revocation>> ListRevokedAccessTokens(
      core::WallTime now) override;
  absl::StatusOr<int64_t> PurgeExpired(core::WallTime before) override;
  absl::StatusOr<std::vector<core::Session>> ListUserSessions(absl::string_view user_id,
                                                              core::WallTime now) override;
  absl::StatusOr<std::vector<core::Session>> RevokeUserSessions(absl::string_view user_id,
                                                                core::WallTime now) override;

 private:
  PgDatabase& db_;
  PgDatabase* replica_;  // lag-tolerant reads; nullptr: the primary
};

class PgSigningKeyStore final : public core::SigningKeyStore {
 public:
  explicit PgSigningKeyStore(PgDatabase& db) : db_(db) {}
  absl::StatusOr<std::vector<core::SigningKeyRecord>> ListSigningKeys() override;
  absl::Status InsertSigningKey(const core::SigningKeyRecord& record) override;
  absl::Status WithdrawSigningKey(absl::string_view kid, core::WallTime now) override;
  absl::Status DeleteSigningKey(absl::string_view kid) override;

 private:
  PgDatabase& db_;
};

class PgAuditStore final : public core::AuditStore {
 public:
  explicit PgAuditStore(PgDatabase& db, PgDatabase* replica = nullptr)
      : db_(db), replica_(replica) {}
  absl::Status AppendAuditEvents(const std::vector<core::AuditEvent>& events) override;
  absl::StatusOr<std::vector<core::AuditEvent>> ListAuditEvents(
      const core::AuditQuery& query) override;

 private:
  PgDatabase& db_;
  PgDatabase* replica_;  // lag-tolerant reads; nullptr: the primary
};

class PgApiKeyStore final : public core::ApiKeyStore {
 public:
  explicit PgApiKeyStore(PgDatabase& db, PgDatabase* replica = nullptr)
      : db_(db), replica_(replica) {}
  absl::Status CreateApiKey(const core::ApiKeyRecord& record) override;
  absl::StatusOr<core::ApiKeyRecord> FindApiKey(absl::string_view id) override;
  absl::StatusOr<std::vector<core::ApiKeyRecord>> ListApiKeys(bool include_revoked) override;
  absl::Status RevokeApiKey(absl::string_view id, core::WallTime now) override;
  absl::Status TouchApiKey(absl::string_view id, core::WallTime now) override;

 private:
  PgDatabase& db_;
  PgDatabase* replica_;  // lag-tolerant reads; nullptr: the primary
};

}  // namespace warden::storage
