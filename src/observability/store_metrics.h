#pragma once

#include <map>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/clock.h"
#include "core/ports/session_store.h"
#include "core/ports/user_store.h"

namespace warden::observability {

// warden_store_operation_seconds{op} and warden_store_errors_total{op} (op = "users.create",
// "sessions.rotate", ...; a fixed set). Thread-safe; keeps references to `registry` and `clock`.
class StoreMetrics {
 public:
  StoreMetrics(prometheus::Registry& registry, const Clock& clock);

  // Runs `operation`, recording its latency under `op`, and an error unless it succeeded or
  // failed with one of the codes the port defines as answers (not found, already exists).
  template <typename Operation>
  auto Measure(const char* op, Operation operation) -> decltype(operation()) {
    const auto started = clock_.SteadyNow();
    auto result = operation();
    Record(op, clock_.SteadyNow() - started, StatusOf(result));
    return result;
  }

 private:
  static absl::Status StatusOf(const absl::Status& s) { return s; }
  template <typename T>
  static absl::Status StatusOf(const absl::StatusOr<T>& s) {
    return s.status();
  }
  void Record(const char* op, std::chrono::steady_clock::duration took, const absl::Status& status);

  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& errors_;
  const Clock& clock_;
  std::map<std::string, std::pair<prometheus::Histogram*, prometheus::Counter*>> ops_;
};

// UserStore decorator that feeds StoreMetrics. Thread-safe; keeps references.
class MeteredUserStore final : public core::UserStore {
 public:
  MeteredUserStore(core::UserStore& inner, StoreMetrics& metrics)
      : inner_(inner), metrics_(metrics) {}
  absl::Status Create(const core::User& user) override;
  absl::StatusOr<core::User> FindByUsernameKey(absl::string_view key) override;
  absl::StatusOr<core::User> FindById(absl::string_view id) override;
  absl::Status UpdatePasswordHash(absl::string_view id, absl::string_view hash) override;
  absl::StatusOr<std::vector<core::User>> ListUsers(absl::string_view after, size_t limit) override;
  absl::Status UpdateRoles(absl::string_view id, const std::vector<std::string>& roles) override;
  absl::Status SetDisabled(absl::string_view id, bool disabled) override;
  absl::Status DeleteUser(absl::string_view id, core::WallTime now) override;
  absl::Status Ping() override;

 private:
  core::UserStore& inner_;
  StoreMetrics& metrics_;
};

// SessionStore decorator that feeds StoreMetrics. Thread-safe; keeps references.
class MeteredSessionStore final : public core::SessionStore {
 public:
  MeteredSessionStore(core::SessionStore& inner, StoreMetrics& metrics)
      : inner_(inner), metrics_(metrics) {}
  absl::Status CreateSession(const core::Session& session, absl::string_view refresh_hash) override;
  absl::StatusOr<core::RotateResult> Rotate(const core::RotateRequest& request) override;
  absl::Status RevokeSession(absl::string_view id, core::WallTime now) override;
  absl::Status RevokeAccessToken(const core::Revocation& revocation) override;
  absl::StatusOr<std::vector<core::Session>> ListSessionsRevokedSince(
      core::WallTime since) override;
  absl::StatusOr<int64_t> PurgeExpired(core::WallTime before) override;
  absl::StatusOr<std::vector<core::Revocation>> ListRevokedAccessTokens(
      core::WallTime now) override;
  absl::StatusOr<std::vector<core::Session>> ListUserSessions(absl::string_view user_id,
                                                              core::WallTime now) override;
  absl::StatusOr<std::vector<core::Session>> RevokeUserSessions(absl::string_view user_id,
                                                                core::WallTime now) override;

 private:
  core::SessionStore& inner_;
  StoreMetrics& metrics_;
};

}  // namespace warden::observability
