#include "server/admission.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/bearer.h"
#include "common/retry_after.h"
#include "server/status_conversion.h"

namespace warden::server {
namespace {

constexpr size_t kMaxCredentialLength = 8192;

std::unique_ptr<resilience::RateLimiter> LimiterFor(const core::RateLimit& limit,
                                                    const Admission::LimiterFactory& limiters,
                                                    const std::string& name) {
  if (limit.per_second <= 0) {
    return nullptr;
  }
  return limiters(resilience::RateSpec{.per_second = limit.per_second, .burst = limit.burst}, name);
}

absl::string_view ScopeName(core::RateLimitScope scope) {
  switch (scope) {
    case core::RateLimitScope::kPeer:
      return "client address";
    case core::RateLimitScope::kPrincipal:
      return "caller";
    case core::RateLimitScope::kMethod:
      return "method";
  }
  return "";
}

// The single value of metadata `key`: nullopt when absent, an error when repeated.
absl::StatusOr<std::optional<absl::string_view>> SingleValue(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, const char* key) {
  auto [begin, end] = metadata.equal_range(key);
  if (begin == end) {
    return std::nullopt;
  }
  if (std::next(begin) != end) {
    return absl::UnauthenticatedError(absl::StrCat("more than one ", key, " header"));
  }
  return absl::string_view(begin->second.data(), begin->second.size());
}

}  // namespace

Admission::Gate::Gate(std::string method, const core::MethodRule* rule,
                      const LimiterFactory& limiters, bool needs_client_address)
    : method_(std::move(method)), rule_(rule), needs_client_address_(needs_client_address) {
  if (rule_ != nullptr) {
    per_peer_ = LimiterFor(rule_->per_peer, limiters, method_ + ":peer");
    per_principal_ = LimiterFor(rule_->per_principal, limiters, method_ + ":principal");
    per_method_ = LimiterFor(rule_->per_method, limiters, method_ + ":method");
  }
}

Admission::Admission(const core::Policy& policy, core::AuthService& auth, const Clock& clock,
                     core::AuthEvents* events, Options options)
    : policy_(policy), auth_(auth), events_(events), options_(std::move(options)) {
  if (!options_.limiter_factory) {
    options_.limiter_factory = [&clock](resilience::RateSpec spec, const std::string&) {
      return std::make_unique<resilience::KeyedRateLimiter>(spec, clock);
    };
  }
}

const Admission::Gate& Admission::GateFor(absl::string_view method, bool needs_client_address) {
  auto it = gates_.find(method);
  if (it == gates_.end()) {
    it = gates_
             .try_emplace(std::string(method), std::string(method), policy_.RuleFor(method),
                          options_.limiter_factory, needs_client_address)
             .first;
  }
  return it->second;
}

absl::Status Admission::Limited(const Gate& gate, resilience::RateLimiter& limiter,
                                absl::string_view key, core::RateLimitScope scope) const {
  const std::chrono::nanoseconds wait = limiter.Take(key);
  if (wait == std::chrono::nanoseconds::zero()) {
    return absl::OkStatus();
  }
  if (events_ != nullptr) {
    events_->OnRateLimited(gate.method_, scope);
  }
  const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
  return WithRetryAfter(
      absl::ResourceExhaustedError(absl::StrCat(
          "rate limit exceeded for this ", ScopeName(scope), " on ", gate.method_, "; retry in ",
          std::max<int64_t>(1, std::ceil(wait_ms.count() / 1000.0)), "s")),
      wait_ms);
}

absl::StatusOr<std::optional<core::Principal>> Admission::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  absl::StatusOr<std::optional<absl::string_view>> authorization =
      SingleValue(metadata, "authorization");
  absl::StatusOr<std::optional<absl::string_view>> api_key_header =
      SingleValue(metadata, "x-api-key");
  if (!authorization.ok()) {
    return authorization.status();
  }
  if (!api_key_header.ok()) {
    return api_key_header.status();
  }
  std::optional<absl::string_view> api_key = *api_key_header;
  absl::string_view bearer;
  if (authorization->has_value()) {
    absl::string_view value = **authorization;
    if (value.size() > kMaxCredentialLength) {
      return absl::UnauthenticatedError("credential too long");
    }
    if (absl::StartsWithIgnoreCase(value, "apikey ")) {
      if (api_key.has_value()) {
        return absl::UnauthenticatedError("send one credential, not two");
      }
      api_key = absl::StripLeadingAsciiWhitespace(value.substr(7));
    } else {
      bearer = BearerToken(value);
      if (bearer.empty()) {
        return absl::UnauthenticatedError(
            "authorization: expected \"Bearer <token>\" or \"ApiKey <key>\"");
      }
      if (api_key.has_value()) {
        return absl::UnauthenticatedError("send one credential, not two");
      }
    }
  }
  if (api_key.has_value()) {
    if (!api_keys_ || api_key->size() > kMaxCredentialLength) {
      return absl::UnauthenticatedError("invalid API key");
    }
    absl::StatusOr<core::Principal> principal = api_keys_(*api_key);
    if (!principal.ok()) {
      return principal.status();
    }
    return std::optional<core::Principal>(*std::move(principal));
  }
  if (!bearer.empty()) {
    absl::StatusOr<core::AccessClaims> claims = auth_.Validate(bearer);
    if (!claims.ok()) {
      return claims.status();
    }
    return std::optional<core::Principal>(core::Principal{.kind = core::Principal::Kind::kUser,
                                                          .id = claims->subject,
                                                          .name = claims->username,
                                                          .roles = claims->roles,
                                                          .session_id = claims->session_id});
  }
  // A verified client certificate whose identity the policy knows.
  const std::shared_ptr<const grpc::AuthContext> auth_context = context.auth_context();
  if (auth_context != nullptr && auth_context->IsPeerAuthenticated()) {
    for (const char* property : {"x509_subject_alternative_name", "x509_common_name"}) {
      for (const grpc::string_ref& value : auth_context->FindPropertyValues(property)) {
        const absl::string_view identity(value.data(), value.size());
        if (const std::vector<std::string>* roles = policy_.CertificateRoles(identity)) {
          return std::optional<core::Principal>(
              core::Principal{.kind = core::Principal::Kind::kCertificate,
                              .id = std::string(identity),
                              .name = std::string(identity),
                              .roles = *roles});
        }
      }
    }
  }
  return std::optional<core::Principal>();
}

bool Admission::ForwardsClientAddress(const grpc::ServerContextBase& context) const {
  absl::StatusOr<std::optional<core::Principal>> caller = Authenticate(context);
  return caller.ok() && caller->has_value() &&
         policy_.HasPermission(**caller, core::kPermForwardClientAddress);
}

absl::StatusOr<Admitted> Admission::Admit(const Gate& gate,
                                          const grpc::ServerContextBase& context) const {
  Admitted admitted;
  if (gate.rule_ == nullptr) {
    if (events_ != nullptr) {
      events_->OnDenied(gate.method_, false);
    }
    return absl::PermissionDeniedError(
        absl::StrCat("no policy rule allows ", gate.method_, " (denied by default)"));
  }
  if (gate.per_peer_ != nullptr || gate.needs_client_address_) {
    const auto& metadata = context.client_metadata();
    absl::string_view forwarded;
    if (auto it = metadata.find("x-forwarded-for"); it != metadata.end()) {
      forwarded = absl::string_view(it->second.data(), it->second.size());
    }
    const std::string peer = options_.connections != nullptr
                                 ? options_.connections->Resolve(context.peer())
                                 : context.peer();
    admitted.client_address = ClientAddress(peer, forwarded, options_.trusted_proxies);
    if (gate.needs_client_address_ && !forwarded.empty() && ForwardsClientAddress(context)) {
      admitted.client_address =
          ClientAddress(peer, forwarded, options_.trusted_proxies, /*peer_forwards=*/true);
    }
  }
  if (gate.per_peer_ != nullptr) {
    if (absl::Status s =
            Limited(gate, *gate.per_peer_, admitted.client_address, core::RateLimitScope::kPeer);
        !s.ok()) {
      return s;
    }
  }
  if (gate.per_method_ != nullptr) {
    if (absl::Status s = Limited(gate, *gate.per_method_, "", core::RateLimitScope::kMethod);
        !s.ok()) {
      return s;
    }
  }
  if (gate.rule_->access == core::MethodRule::Access::kPublic) {
    return admitted;
  }
  absl::StatusOr<std::optional<core::Principal>> principal = Authenticate(context);
  if (!principal.ok()) {
    if (events_ != nullptr) {
      events_->OnDenied(gate.method_, false);
    }
    return principal.status();
  }
  admitted.principal = *std::move(principal);
  const core::Principal* who = admitted.principal.has_value() ? &*admitted.principal : nullptr;
  if (who != nullptr && gate.per_principal_ != nullptr) {
    if (absl::Status s = Limited(gate, *gate.per_principal_,
                                 absl::StrCat(core::PrincipalKindName(who->kind), ":", who->id),
                                 core::RateLimitScope::kPrincipal);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status allowed = policy_.Authorize(*gate.rule_, who); !allowed.ok()) {
    if (events_ != nullptr) {
      events_->OnDenied(gate.method_, who != nullptr);
    }
    return allowed;
  }
  return admitted;
}

grpc::Status RefusalStatus(grpc::ServerContextBase& context, const absl::Status& status) {
  if (std::optional<std::chrono::milliseconds> retry = RetryAfterOf(status); retry.has_value()) {
    const int64_t seconds = std::max<int64_t>(1, (retry->count() + 999) / 1000);
    context.AddTrailingMetadata("retry-after", std::to_string(seconds));
    context.AddTrailingMetadata("grpc-retry-pushback-ms", std::to_string(retry->count()));
  }
  return ToGrpcStatus(status);
}

std::optional<Admitted> AdmitOrFinish(const Admission* admission, const Admission::Gate* gate,
                                      grpc::CallbackServerContext& context,
                                      grpc::ServerUnaryReactor* reactor) {
  if (admission == nullptr) {
    return Admitted{};
  }
  if (gate == nullptr) {  // a guarded service without a gate for this method: fail closed
    reactor->Finish(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no admission gate"));
    return std::nullopt;
  }
  absl::StatusOr<Admitted> admitted = admission->Admit(*gate, context);
  if (!admitted.ok()) {
    reactor->Finish(RefusalStatus(context, admitted.status()));
    return std::nullopt;
  }
  return *std::move(admitted);
}

}  // namespace warden::server
