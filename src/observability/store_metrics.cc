#include "observability/store_metrics.h"

namespace warden::observability {
namespace {

constexpr const char* kOps[] = {"users.create",
                                "users.find_by_username",
                                "users.find_by_id",
                                "users.update_password",
                                "users.ping",
                                "users.list",
                                "users.update_roles",
                                "users.set_disabled",
                                "users.delete",
                                "sessions.create",
                                "sessions.rotate",
                                "sessions.revoke",
                                "sessions.revoke_token",
                                "sessions.list_revoked",
                                "sessions.purge",
                                "sessions.list_revoked_tokens",
                                "sessions.list_by_user",
                                "sessions.revoke_by_user"};

}  // namespace

StoreMetrics::StoreMetrics(prometheus::Registry& registry, const Clock& clock)
    : latency_(prometheus::BuildHistogram()
                   .Name("warden_store_operation_seconds")
                   .Help("Latency of store operations.")
                   .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("warden_store_errors_total")
                  .Help("Store operations that failed (unavailable, internal...).")
                  .Register(registry)),
      clock_(clock) {
  const prometheus::Histogram::BucketBoundaries buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                           0.025,  0.05,  0.1,    0.25,  1};
  for (const char* op : kOps) {
    ops_.emplace(op,
                 std::make_pair(&latency_.Add({{"op", op}}, buckets), &errors_.Add({{"op", op}})));
  }
}

void StoreMetrics::Record(const char* op, std::chrono::steady_clock::duration took,
                          const absl::Status& status) {
  auto it = ops_.find(op);
  if (it == ops_.end()) {
    return;
  }
  it->second.first->Observe(std::chrono::duration<double>(took).count());
  if (!status.ok() && status.code() != absl::StatusCode::kNotFound &&
      status.code() != absl::StatusCode::kAlreadyExists) {
    it->second.second->Increment();
  }
}

absl::Status MeteredUserStore::Create(const core::User& user) {
  return metrics_.Measure("users.create", [&] { return inner_.Create(user); });
}
absl::StatusOr<core::User> MeteredUserStore::FindByUsernameKey(absl::string_view key) {
  return metrics_.Measure("users.find_by_username", [&] { return inner_.FindByUsernameKey(key); });
}
absl::StatusOr<core::User> MeteredUserStore::FindById(absl::string_view id) {
  return metrics_.Measure("users.find_by_id", [&] { return inner_.FindById(id); });
}
absl::Status MeteredUserStore::UpdatePasswordHash(absl::string_view id, absl::string_view hash) {
  return metrics_.Measure("users.update_password",
                          [&] { return inner_.UpdatePasswordHash(id, hash); });
}
absl::StatusOr<std::vector<core::User>> MeteredUserStore::ListUsers(absl::string_view after,
                                                                    size_t limit) {
  return metrics_.Measure("users.list", [&] { return inner_.ListUsers(after, limit); });
}
absl::Status MeteredUserStore::UpdateRoles(absl::string_view id,
                                           const std::vector<std::string>& roles) {
  return metrics_.Measure("users.update_roles", [&] { return inner_.UpdateRoles(id, roles); });
}
absl::Status MeteredUserStore::SetDisabled(absl::string_view id, bool disabled) {
  return metrics_.Measure("users.set_disabled", [&] { return inner_.SetDisabled(id, disabled); });
}
absl::Status MeteredUserStore::DeleteUser(absl::string_view id, core::WallTime now) {
  return metrics_.Measure("users.delete", [&] { return inner_.DeleteUser(id, now); });
}
absl::Status MeteredUserStore::Ping() {
  return metrics_.Measure("users.ping", [&] { return inner_.Ping(); });
}

absl::Status MeteredSessionStore::CreateSession(const core::Session& session,
                                                absl::string_view refresh_hash) {
  return metrics_.Measure("sessions.create",
                          [&] { return inner_.CreateSession(session, refresh_hash); });
}
absl::StatusOr<core::RotateResult> MeteredSessionStore::Rotate(const core::RotateRequest& request) {
  return metrics_.Measure("sessions.rotate", [&] { return inner_.Rotate(request); });
}
absl::Status MeteredSessionStore::RevokeSession(absl::string_view id, core::WallTime now) {
  return metrics_.Measure("sessions.revoke", [&] { return inner_.RevokeSession(id, now); });
}
absl::Status MeteredSessionStore::RevokeAccessToken(const core::Revocation& revocation) {
  return metrics_.Measure("sessions.revoke_token",
                          [&] { return inner_.RevokeAccessToken(revocation); });
}
absl::StatusOr<std::vector<core::Session>> MeteredSessionStore::ListSessionsRevokedSince(
    core::WallTime since) {
  return metrics_.Measure("sessions.list_revoked",
                          [&] { return inner_.ListSessionsRevokedSince(since); });
}
absl::StatusOr<int64_t> MeteredSessionStore::PurgeExpired(core::WallTime before) {
  return metrics_.Measure("sessions.purge", [&] { return inner_.PurgeExpired(before); });
}
absl::StatusOr<std::vector<core::Revocation>> MeteredSessionStore::ListRevokedAccessTokens(
    core::WallTime now) {
  return metrics_.Measure("sessions.list_revoked_tokens",
                          [&] { return inner_.ListRevokedAccessTokens(now); });
}

absl::StatusOr<std::vector<core::Session>> MeteredSessionStore::ListUserSessions(
    absl::string_view user_id, core::WallTime now) {
  return metrics_.Measure("sessions.list_by_user",
                          [&] { return inner_.ListUserSessions(user_id, now); });
}
absl::StatusOr<std::vector<core::Session>> MeteredSessionStore::RevokeUserSessions(
    absl::string_view user_id, core::WallTime now) {
  return metrics_.Measure("sessions.revoke_by_user",
                          [&] { return inner_.RevokeUserSessions(user_id, now); });
}

}  // namespace warden::observability
