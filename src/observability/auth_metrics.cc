#include "observability/auth_metrics.h"

namespace warden::observability {
namespace {

template <size_t N>
void AddAll(prometheus::Family<prometheus::Counter>& family, const char* label,
            const std::array<const char*, N>& values, std::array<prometheus::Counter*, N>& out) {
  for (size_t i = 0; i < N; ++i) {
    out[i] = &family.Add({{label, values[i]}});
  }
}

}  // namespace

AuthMetrics::AuthMetrics(prometheus::Registry& registry) {
  AddAll<2>(prometheus::BuildCounter()
                .Name("warden_registrations_total")
                .Help("Register calls by result.")
                .Register(registry),
            "result", {"created", "rejected"}, registrations_);
  AddAll<5>(prometheus::BuildCounter()
                .Name("warden_login_attempts_total")
                .Help("Login attempts by result; throttled: refused by brute-force protection.")
                .Register(registry),
            "result", {"success", "invalid_credentials", "invalid_argument", "throttled", "error"},
            logins_);
  AddAll<2>(prometheus::BuildCounter()
                .Name("warden_login_lockouts_total")
                .Help("Temporary lockouts after repeated failed logins, by what was locked.")
                .Register(registry),
            "scope", {"account", "address"}, lockouts_);
  rate_limited_ = &prometheus::BuildCounter()
                       .Name("warden_rate_limited_total")
                       .Help("Calls refused by a rate limit, by method and bucket.")
                       .Register(registry);
  denied_ = &prometheus::BuildCounter()
                 .Name("warden_admission_denied_total")
                 .Help("Calls refused by admission, by method and reason.")
                 .Register(registry);
  AddAll<8>(
      prometheus::BuildCounter()
          .Name("warden_refresh_total")
          .Help("RefreshToken calls by result; reuse_detected revoked a whole session.")
          .Register(registry),
      "result",
      {"rotated", "kept", "retried", "reuse_detected", "invalid", "expired", "revoked", "error"},
      refreshes_);
  AddAll<2>(prometheus::BuildCounter()
                .Name("warden_tokens_issued_total")
                .Help("Tokens issued by kind.")
                .Register(registry),
            "kind", {"access", "refresh"}, issued_);
  AddAll<2>(prometheus::BuildCounter()
                .Name("warden_token_validations_total")
                .Help("Access token validations by result.")
                .Register(registry),
            "result", {"valid", "invalid"}, validations_);
  logouts_ = &prometheus::BuildCounter()
                  .Name("warden_logouts_total")
                  .Help("Successful logouts.")
                  .Register(registry)
                  .Add({});
  hash_seconds_ = &prometheus::BuildHistogram()
                       .Name("warden_password_hash_seconds")
                       .Help("Time to hash or verify one password (argon2id).")
                       .Register(registry)
                       .Add({}, prometheus::Histogram::BucketBoundaries{
                                    0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28});
  auto& queues = prometheus::BuildGauge()
                     .Name("warden_worker_queue_depth")
                     .Help("Jobs queued or running in a worker pool (sampled at scrape).")
                     .Register(registry);
  hash_queue_ = &queues.Add({{"pool", "hash"}});
  io_queue_ = &queues.Add({{"pool", "io"}});
  key_age_ = &prometheus::BuildGauge()
                  .Name("warden_signing_key_age_seconds")
                  .Help("How long the current signing key has been signing.")
                  .Register(registry)
                  .Add({});
}

void AuthMetrics::OnRegister(bool created) { registrations_[created ? 0 : 1]->Increment(); }

void AuthMetrics::OnLogin(core::LoginResult result) {
  logins_[static_cast<size_t>(result)]->Increment();
}

void AuthMetrics::OnRefresh(core::RefreshResult result) {
  refreshes_[static_cast<size_t>(result)]->Increment();
}

void AuthMetrics::OnTokenIssued(core::TokenKind kind) {
  issued_[static_cast<size_t>(kind)]->Increment();
}

void AuthMetrics::OnValidation(bool valid) { validations_[valid ? 0 : 1]->Increment(); }

void AuthMetrics::OnLogout() { logouts_->Increment(); }

void AuthMetrics::OnLockout(core::LockoutScope scope) {
  lockouts_[scope == core::LockoutScope::kAccount ? 0 : 1]->Increment();
}

void AuthMetrics::OnRateLimited(absl::string_view method, core::RateLimitScope scope) {
  const char* bucket = scope == core::RateLimitScope::kPeer        ? "address"
                       : scope == core::RateLimitScope::kPrincipal ? "principal"
                                                                   : "method";
  rate_limited_->Add({{"grpc_method", std::string(method)}, {"scope", bucket}}).Increment();
}

void AuthMetrics::OnDenied(absl::string_view method, bool authenticated) {
  denied_
      ->Add({{"grpc_method", std::string(method)},
             {"reason", authenticated ? "permission_denied" : "unauthenticated"}})
      .Increment();
}

void AuthMetrics::OnPasswordHash(std::chrono::nanoseconds took) {
  hash_seconds_->Observe(std::chrono::duration<double>(took).count());
}

}  // namespace warden::observability
