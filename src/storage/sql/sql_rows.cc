#include "storage/sql/sql_rows.h"

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace warden::storage::sql {

std::optional<core::WallTime> SqlRow::OptionalTime(int column) const {
  if (IsNull(column)) {
    return std::nullopt;
  }
  return FromMicros(Int(column));
}

int64_t ToMicros(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

core::WallTime FromMicros(int64_t us) {
  return core::WallTime(
      std::chrono::duration_cast<core::WallTime::duration>(std::chrono::microseconds(us)));
}

std::string JoinRoles(const std::vector<std::string>& roles) { return absl::StrJoin(roles, ","); }

std::vector<std::string> SplitRoles(const std::string& text) {
  if (text.empty()) {
    return {};
  }
  return absl::StrSplit(text, ',');
}

std::optional<core::RotateOutcome> SettledBySession(const core::Session& session,
                                                    core::WallTime now) {
  if (session.revoked_at.has_value()) {
    return core::RotateOutcome::kRevoked;
  }
  if (now >= session.expires_at) {
    return core::RotateOutcome::kExpired;
  }
  if (session.refresh_mode == core::RefreshMode::kStable) {
    return core::RotateOutcome::kKept;
  }
  return std::nullopt;
}

bool IsRetry(core::WallTime spent_at, bool successor_unused, const core::RotateRequest& request) {
  return request.now - spent_at <= request.grace && successor_unused;
}

absl::StatusOr<core::RotateResult> Rotate(const core::RotateRequest& request,
                                          const RotationSteps& steps) {
  core::RotateResult result;
  absl::StatusOr<std::optional<PresentedToken>> found = steps.find();
  if (!found.ok()) {
    return found.status();
  }
  if (!found->has_value()) {
    result.outcome = core::RotateOutcome::kNotFound;
    return result;
  }
  PresentedToken& token = **found;
  result.session = token.session;
  if (std::optional<core::RotateOutcome> settled = SettledBySession(result.session, request.now)) {
    result.outcome = *settled;
    return result;
  }
  if (token.spent_at.has_value()) {
    bool successor_unused = token.successor_unused.value_or(false);
    if (!token.successor_unused.has_value() && token.successor_hash.has_value()) {
      absl::StatusOr<bool> unused = steps.successor_unused(*token.successor_hash);
      if (!unused.ok()) {
        return unused.status();
      }
      successor_unused = *unused;
    }
    if (IsRetry(*token.spent_at, successor_unused, request)) {
      result.outcome = core::RotateOutcome::kRetried;
      result.sealed_successor = std::move(token.sealed_successor);
      result.rotated_at = *token.spent_at;
      return result;
    }
    if (absl::Status revoked = steps.revoke_session(result.session); !revoked.ok()) {
      return revoked;
    }
    result.session.revoked_at = request.now;
    result.outcome = core::RotateOutcome::kReuseDetected;
    return result;
  }
  if (absl::Status rotated = steps.spend_and_insert_successor(result.session); !rotated.ok()) {
    return rotated;
  }
  result.outcome = core::RotateOutcome::kRotated;
  return result;
}

int64_t RefreshModeColumn(core::RefreshMode mode) {
  return mode == core::RefreshMode::kStable ? 1 : 0;
}

core::User ReadUser(const SqlRow& row) {
  return core::User{.id = row.Text(0),
                    .username = row.Text(1),
                    .username_key = row.Text(2),
                    .email = row.Text(3),
                    .email_key = row.Text(4),
                    .full_name = row.Text(5),
                    .password_hash = row.Text(6),
                    .roles = SplitRoles(row.Text(7)),
                    .created_at = FromMicros(row.Int(8)),
                    .disabled = row.Bool(9)};
}

core::Session ReadSession(const SqlRow& row) {
  return core::Session{
      .id = row.Text(0),
      .user_id = row.Text(1),
      .created_at = FromMicros(row.Int(2)),
      .expires_at = FromMicros(row.Int(3)),
      .revoked_at = row.OptionalTime(4),
      .refresh_mode = row.Int(5) == 1 ? core::RefreshMode::kStable : core::RefreshMode::kRotating};
}

core::ApiKeyRecord ReadApiKey(const SqlRow& row) {
  return core::ApiKeyRecord{.id = row.Text(0),
                            .name = row.Text(1),
                            .hash = row.Text(2),
                            .roles = SplitRoles(row.Text(3)),
                            .created_by = row.Text(4),
                            .created_at = FromMicros(row.Int(5)),
                            .expires_at = row.OptionalTime(6),
                            .last_used_at = row.OptionalTime(7),
                            .revoked_at = row.OptionalTime(8)};
}

core::SigningKeyRecord ReadSigningKey(const SqlRow& row) {
  return core::SigningKeyRecord{.kid = row.Text(0),
                                .algorithm = row.Text(1),
                                .public_jwk = row.Text(2),
                                .sealed_private_key = row.Text(3),
                                .created_at = FromMicros(row.Int(4)),
                                .activate_at = FromMicros(row.Int(5)),
                                .withdrawn_at = row.OptionalTime(6)};
}

core::AuditEvent ReadAuditEvent(const SqlRow& row) {
  return core::AuditEvent{.seq = row.Int(0),
                          .at = FromMicros(row.Int(1)),
                          .type = row.Text(2),
                          .user_id = row.Text(3),
                          .username = row.Text(4),
                          .session_id = row.Text(5),
                          .detail = row.Text(6),
                          .trace_id = row.Text(7)};
}

core::Revocation ReadRevocation(const SqlRow& row) {
  return core::Revocation{.id = row.Text(0), .expires_at = FromMicros(row.Int(1))};
}

}  // namespace warden::storage::sql
