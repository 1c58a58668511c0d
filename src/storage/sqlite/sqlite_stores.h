#pragma once

#include "absl/strings/string_view.h"
#include "core/ports/api_key_store.h"
#include "core/ports/audit.h"
#include "core/ports/session_store.h"
#include "core/ports/signing_keys.h"
#include "core/ports/user_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace warden::storage {

// Users in an SQLite database. Thread-safe. Keeps a reference to `db`.
class SqliteUserStore final : public core::UserStore {
 public:
  explicit SqliteUserStore(SqliteDatabase& db) : db_(db) {}
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
  absl::StatusOr<core::User> FindBy(absl::string_view sql, absl::string_view key);
  SqliteDatabase& db_;
};

// Sessions, refresh-token hashes and revocations in an SQLite database. Thread-safe. Keeps a
// reference to `db`.
class SqliteSessionStore final : public core::SessionStore {
 public:
  explicit SqliteSessionStore(SqliteDatabase& db) : db_(db) {}
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
  SqliteDatabase& db_;
};

// Signing keys in an SQLite database. Thread-safe. Keeps a reference to `db`.
class SqliteSigningKeyStore final : public core::SigningKeyStore {
 public:
  explicit SqliteSigningKeyStore(SqliteDatabase& db) : db_(db) {}
  absl::StatusOr<std::vector<core::SigningKeyRecord>> ListSigningKeys() override;
  absl::Status InsertSigningKey(const core::SigningKeyRecord& record) override;
  absl::Status WithdrawSigningKey(absl::string_view kid, core::WallTime now) override;
  absl::Status DeleteSigningKey(absl::string_view kid) override;

 private:
  SqliteDatabase& db_;
};

// The audit trail in an SQLite database. Thread-safe. Keeps a reference to `db`.
class SqliteAuditStore final : public core::AuditStore {
 public:
  explicit SqliteAuditStore(SqliteDatabase& db) : db_(db) {}
  absl::Status AppendAuditEvents(const std::vector<core::AuditEvent>& events) override;
  absl::StatusOr<std::vector<core::AuditEvent>> ListAuditEvents(
      const core::AuditQuery& query) override;

 private:
  SqliteDatabase& db_;
};

// API keys in an SQLite database. Thread-safe. Keeps a reference to `db`.
class SqliteApiKeyStore final : public core::ApiKeyStore {
 public:
  explicit SqliteApiKeyStore(SqliteDatabase& db) : db_(db) {}
  absl::Status CreateApiKey(const core::ApiKeyRecord& record) override;
  absl::StatusOr<core::ApiKeyRecord> FindApiKey(absl::string_view id) override;
  absl::StatusOr<std::vector<core::ApiKeyRecord>> ListApiKeys(bool include_revoked) override;
  absl::Status RevokeApiKey(absl::string_view id, core::WallTime now) override;
  absl::Status TouchApiKey(absl::string_view id, core::WallTime now) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace warden::storage
