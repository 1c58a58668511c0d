#pragma once

#include <array>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "core/ports/auth_events.h"

namespace warden::observability {

// Auth-domain metrics with bounded labels only (never a user, address or token):
// warden_registrations_total{result}, warden_login_attempts_total{result},
// warden_tokens_issued_total{kind}, warden_refresh_total{result},
// warden_token_validations_total{result}, warden_logouts_total,
// warden_password_hash_seconds, warden_login_lockouts_total{scope},
// warden_rate_limited_total{grpc_method,scope}, warden_admission_denied_total{grpc_method,reason}
// (methods are Warden's own, a bounded set), plus gauges set at scrape time
// (warden_worker_queue_depth{pool}, warden_signing_key_age_seconds).
//
// Thread-safe (prometheus-cpp metrics are atomic). Keeps a reference to `registry`.
class AuthMetrics final : public core::AuthEvents {
 public:
  explicit AuthMetrics(prometheus::Registry& registry);

  void OnRegister(bool created) override;
  void OnLogin(core::LoginResult result) override;
  void OnRefresh(core::RefreshResult result) override;
  void OnTokenIssued(core::TokenKind kind) override;
  void OnValidation(bool valid) override;
  void OnLogout() override;
  void OnPasswordHash(std::chrono::nanoseconds took) override;
  void OnLockout(core::LockoutScope scope) override;
  void OnRateLimited(absl::string_view method, core::RateLimitScope scope) override;
  void OnDenied(absl::string_view method, bool authenticated) override;

  prometheus::Gauge& hash_queue_depth() { return *hash_queue_; }
  prometheus::Gauge& io_queue_depth() { return *io_queue_; }
  prometheus::Gauge& signing_key_age() { return *key_age_; }

 private:
  std::array<prometheus::Counter*, 2> registrations_{};
  std::array<prometheus::Counter*, 5> logins_{};
  std::array<prometheus::Counter*, 2> lockouts_{};
  prometheus::Family<prometheus::Counter>* rate_limited_;
  prometheus::Family<prometheus::Counter>* denied_;
  std::array<prometheus::Counter*, 8> refreshes_{};
  std::array<prometheus::Counter*, 2> issued_{};
  std::array<prometheus::Counter*, 2> validations_{};
  prometheus::Counter* logouts_;
  prometheus::Histogram* hash_seconds_;
  prometheus::Gauge* hash_queue_;
  prometheus::Gauge* io_queue_;
  prometheus::Gauge* key_age_;
};

}  // namespace warden::observability
