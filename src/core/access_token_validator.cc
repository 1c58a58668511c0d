#include "core/access_token_validator.h"

namespace warden::core {
namespace {

absl::Status InvalidToken() { return absl::UnauthenticatedError(kInvalidToken); }

}  // namespace

AccessTokenValidator::AccessTokenValidator(const AccessTokenCodec& codec,
                                           const RevocationList& revocations, const Clock& clock,
                                           Options options)
    : codec_(codec),
      revocations_(revocations),
      clock_(clock),
      options_(std::move(options)),
      verified_(options_.cache_capacity) {}

absl::StatusOr<AccessClaims> AccessTokenValidator::Validate(absl::string_view token) const {
  if (token.empty() || token.size() > options_.max_token_bytes) {
    return InvalidToken();
  }
  std::optional<AccessClaims> claims = verified_.Find(token);
  if (!claims.has_value()) {
    absl::StatusOr<AccessClaims> verified = codec_.Verify(token);
    if (!verified.ok() || verified->issuer != options_.issuer ||
        verified->audience != options_.audience || verified->subject.empty() ||
        verified->token_id.empty()) {
      return InvalidToken();
    }
    claims = *std::move(verified);
    verified_.Insert(token, *claims);
  }
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
  const int64_t leeway = options_.leeway.count();
  if (now >= claims->expires_at + leeway || now + leeway < claims->not_before ||
      now + leeway < claims->issued_at) {
    return InvalidToken();
  }
  if (revocations_.IsRevoked(claims->token_id, claims->session_id)) {
    return InvalidToken();
  }
  return *std::move(claims);
}

}  // namespace warden::core
