#pragma once

#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "core/ports/api_key_store.h"
#include "core/ports/audit.h"
#include "core/ports/session_store.h"
#include "core/ports/signing_keys.h"
#include "core/ports/user_store.h"

namespace warden::storage {

// Users kept in process memory: for tests and throwaway runs. Thread-safe (one mutex).
class InMemoryUserStore final : public core::UserStore {
 public:
  absl::Status Create(const core::User& user) override;
  absl::StatusOr<core::User> FindByUsernameKey(absl::string_view username_key) override;
  absl::StatusOr<core::User> FindById(absl::string_view id) override;
  absl::Status UpdatePasswordHash(absl::string_view id, absl::string_view password_hash) override;
  absl::StatusOr<std::vector<core::User>> ListUsers(absl::string_view after_username_key,
                                                    size_t limit) override;
  absl::Status UpdateRoles(absl::string_view id, const std::vector<std::string>& roles) override;
  absl::Status SetDisabled(absl::string_view id, bool disabled) override;
  absl::Status DeleteUser(absl::string_view id, core::WallTime now) override;
  absl::Status Ping() override { return absl::OkStatus(); }
  // Replaces a stored user as is (tests set fields that have no setter).
  void ReplaceForTest(const core::User& user);

 private:
  std::mutex mutex_;
  absl::flat_hash_map<std::string, core::User> by_id_;
  absl::flat_hash_map<std::string, std::string> id_by_username_;
  absl::flat_hash_map<std::string, std::string> id_by_email_;
  absl::flat_hash_set<std::string> deleted_;
};

// Sessions and revocations kept in process memory. Thread-safe (one mutex).
class InMemorySessionStore final : public core::SessionStore {
 public:
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
  struct RefreshRecord {
    std::string session_id;
    std::optional<core::WallTime> spent_at;
    std::string successor_hash;  // set once spent
    std::string sealed_successor;
  };
  std::mutex mutex_;
  absl::flat_hash_map<std::string, core::Session> sessions_;
  absl::flat_hash_map<std::string, RefreshRecord> refresh_;
  absl::flat_hash_map<std::string, core::WallTime> revoked_tokens_;
};

// Signing keys kept in process memory. Thread-safe (one mutex).
class InMemorySigningKeyStore final : public core::SigningKeyStore {
 public:
  absl::StatusOr<std::vector<core::SigningKeyRecord>> ListSigningKeys() override;
  absl::Status InsertSigningKey(const core::SigningKeyRecord& record) override;
  absl::Status WithdrawSigningKey(absl::string_view kid, core::WallTime now) override;
  absl::Status DeleteSigningKey(absl::string_view kid) override;

 private:
  std::mutex mutex_;
  std::vector<core::SigningKeyRecord> keys_;
};

// The audit trail kept in process memory. Thread-safe (one mutex).
class InMemoryAuditStore final : public core::AuditStore {
 public:
  absl::Status AppendAuditEvents(const std::vector<core::AuditEvent>& events) override;
  absl::StatusOr<std::vector<core::AuditEvent>> ListAuditEvents(
      const core::AuditQuery& query) override;

 private:
  std::mutex mutex_;
  std::vector<core::AuditEvent> events_;
};

// API keys kept in process memory. Thread-safe (one mutex).
class InMemoryApiKeyStore final : public core::ApiKeyStore {
 public:
  absl::Status CreateApiKey(const core::ApiKeyRecord& record) override;
  absl::StatusOr<core::ApiKeyRecord> FindApiKey(absl::string_view id) override;
  absl::StatusOr<std::vector<core::ApiKeyRecord>> ListApiKeys(bool include_revoked) override;
  absl::Status RevokeApiKey(absl::string_view id, core::WallTime now) override;
  absl::Status TouchApiKey(absl::string_view id, core::WallTime now) override;

 private:
  std::mutex mutex_;
  std::vector<core::ApiKeyRecord> keys_;  // in creation order
};

}  // namespace warden::storage
