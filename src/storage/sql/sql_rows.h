#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/ports/api_key_store.h"
#include "core/ports/audit.h"
#include "core/ports/session_store.h"
#include "core/ports/signing_keys.h"
#include "core/ports/user_store.h"

// What the SQLite and PostgreSQL stores share: the row mapping of every table, read through a
// one-row view each backend implements over its own result type.
namespace warden::storage::sql {

// One result row; columns by position.
class SqlRow {
 public:
  virtual ~SqlRow() = default;
  virtual std::string Text(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
  // SQLite keeps booleans as 0/1, PostgreSQL as boolean ("t"/"f" in text results).
  virtual bool Bool(int column) const = 0;

  std::optional<core::WallTime> OptionalTime(int column) const;
};

// Times are stored as microseconds since the Unix epoch; roles as one comma-separated column.
int64_t ToMicros(core::WallTime t);
core::WallTime FromMicros(int64_t us);
std::string JoinRoles(const std::vector<std::string>& roles);
std::vector<std::string> SplitRoles(const std::string& text);

// Row readers, for the column lists of sql_statements.h (kUserColumns, ...).
core::User ReadUser(const SqlRow& row);
core::Session ReadSession(const SqlRow& row);
core::ApiKeyRecord ReadApiKey(const SqlRow& row);
core::SigningKeyRecord ReadSigningKey(const SqlRow& row);
core::AuditEvent ReadAuditEvent(const SqlRow& row);
core::Revocation ReadRevocation(const SqlRow& row);

// Rotation, the part both backends decide alike. First the session: revoked, expired, or kept (a
// stable session never rotates); nullopt: go on to the token's own state.
std::optional<core::RotateOutcome> SettledBySession(const core::Session& session,
                                                    core::WallTime now);
// Then a token already spent: a retry (answered with the same successor) within the grace window
// while that successor is unused; anything else is reuse.
bool IsRetry(core::WallTime spent_at, bool successor_unused, const core::RotateRequest& request);

// What rotate_select found for the presented token.
struct PresentedToken {
  core::Session session;
  std::optional<core::WallTime> spent_at;
  std::string sealed_successor;
  std::optional<std::string> successor_hash;
  std::optional<bool> successor_unused;  // when the select could tell (SQLite)
};

// The steps of one rotation, run by the backend inside its transaction.
struct RotationSteps {
  std::function<absl::StatusOr<std::optional<PresentedToken>>()> find;
  // Asked only for a spent token whose select could not tell (PostgreSQL).
  std::function<absl::StatusOr<bool>(const std::string& successor_hash)> successor_unused;
  std::function<absl::Status(const core::Session& session)> revoke_session;
  std::function<absl::Status(const core::Session& session)> spend_and_insert_successor;
};

// One rotation: find, decide, write. Both SQL backends call it.
absl::StatusOr<core::RotateResult> Rotate(const core::RotateRequest& request,
                                          const RotationSteps& steps);

// The refresh_mode column.
int64_t RefreshModeColumn(core::RefreshMode mode);

}  // namespace warden::storage::sql
