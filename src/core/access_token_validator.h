#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "core/model.h"
#include "core/ports/access_token_codec.h"
#include "core/revocation_list.h"
#include "core/verified_token_cache.h"

namespace warden::core {

// The one message for any token that fails validation: no oracle.
inline constexpr absl::string_view kInvalidToken = "invalid or expired token";

// Decides whether an access token is valid now: signature (through the codec, with a cache of
// tokens already verified), issuer, audience, exp/nbf/iat with leeway, and revocation. Used by
// wardend's ValidateToken and by the verifier library other services embed. No I/O.
//
// Thread-safe. Keeps references to `codec`, `revocations` and `clock`.
class AccessTokenValidator {
 public:
  struct Options {
    std::string issuer = "warden";
    std::string audience = "warden";
    std::chrono::seconds leeway = std::chrono::seconds(30);
    size_t cache_capacity = 16384;
    size_t max_token_bytes = 8192;
  };

  AccessTokenValidator(const AccessTokenCodec& codec, const RevocationList& revocations,
                       const Clock& clock, Options options);

  // Returns the claims, or kUnauthenticated with kInvalidToken.
  absl::StatusOr<AccessClaims> Validate(absl::string_view token) const;
  // Forgets every cached verification (after a key stopped being trusted).
  void ForgetVerifiedTokens() const { verified_.Clear(); }

 private:
  const AccessTokenCodec& codec_;
  const RevocationList& revocations_;
  const Clock& clock_;
  const Options options_;
  mutable VerifiedTokenCache verified_;
};

}  // namespace warden::core
