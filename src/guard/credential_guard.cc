#include "guard/credential_guard.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/bearer.h"

namespace warden::guard {
namespace {

constexpr size_t kMaxCredentialLength = 8192;

// The single value of header `key`: nullopt when absent, an error when repeated.
absl::StatusOr<std::optional<absl::string_view>> SingleValue(const CallView& call,
                                                             absl::string_view key) {
  const HeaderValue header = call.Header(key);
  if (header.count == 0) {
    return std::nullopt;
  }
  if (header.count > 1) {
    return absl::UnauthenticatedError(absl::StrCat("more than one ", key, " header"));
  }
  return header.value;
}

class Authenticate final : public MethodCheck {
 public:
  Authenticate(std::string method, const CredentialResolver& resolver, core::AuthEvents* events)
      : method_(std::move(method)), resolver_(resolver), events_(events) {}
  absl::Status Check(const CallView& call, CallState& state) const override {
    const absl::StatusOr<std::optional<core::Principal>>& principal =
        resolver_.Resolve(call, state);
    if (!principal.ok()) {
      if (events_ != nullptr) {
        events_->OnDenied(method_, false);
      }
      return principal.status();
    }
    state.admitted.principal = *principal;
    return absl::OkStatus();
  }

 private:
  std::string method_;
  const CredentialResolver& resolver_;
  core::AuthEvents* events_;
};

}  // namespace

const absl::StatusOr<std::optional<core::Principal>>& CredentialResolver::Resolve(
    const CallView& call, CallState& state) const {
  if (!state.credential.has_value()) {
    state.credential = Authenticate(call);
  }
  return *state.credential;
}

absl::StatusOr<std::optional<core::Principal>> CredentialResolver::Authenticate(
    const CallView& call) const {
  absl::StatusOr<std::optional<absl::string_view>> authorization =
      SingleValue(call, "authorization");
  absl::StatusOr<std::optional<absl::string_view>> api_key_header = SingleValue(call, "x-api-key");
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
    if (ports_.api_keys == nullptr || api_key->size() > kMaxCredentialLength) {
      return absl::UnauthenticatedError("invalid API key");
    }
    absl::StatusOr<core::Principal> principal = ports_.api_keys->Authenticate(*api_key);
    if (!principal.ok()) {
      return principal.status();
    }
    return std::optional<core::Principal>(*std::move(principal));
  }
  if (!bearer.empty()) {
    absl::StatusOr<core::AccessClaims> claims = ports_.tokens.Validate(bearer);
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
  for (const std::string& identity : call.CertificateIdentities()) {
    if (const std::vector<std::string>* roles = ports_.policy.CertificateRoles(identity)) {
      return std::optional<core::Principal>(
          core::Principal{.kind = core::Principal::Kind::kCertificate,
                          .id = identity,
                          .name = identity,
                          .roles = *roles});
    }
  }
  return std::optional<core::Principal>();
}

std::unique_ptr<MethodCheck> CredentialGuard::Bind(const MethodInfo& method) {
  const core::MethodRule* rule = policy_.RuleFor(method.name);
  if (rule == nullptr || rule->access == core::MethodRule::Access::kPublic) {
    return nullptr;
  }
  return std::make_unique<Authenticate>(method.name, resolver_, events_);
}

}  // namespace warden::guard
