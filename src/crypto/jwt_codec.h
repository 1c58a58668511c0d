#pragma once

#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "core/ports/access_token_codec.h"
#include "crypto/signing_key.h"

namespace warden::crypto {

// Compact JWS access tokens (RFC 9068 profile: typ "at+jwt") signed by one active key and
// verified by any of the trusted keys, chosen by `kid`; the key's own algorithm must equal the
// header's `alg`, so "none" and algorithm substitution are refused.
//
// Immutable after construction; thread-safe.
class JwtCodec final : public core::AccessTokenCodec {
 public:
  // `active` signs; `active` and `also_trusted` verify.
  explicit JwtCodec(SigningKey active, std::vector<SigningKey> also_trusted = {});

  absl::StatusOr<std::string> Sign(const core::AccessClaims& claims) const override;
  absl::StatusOr<core::AccessClaims> Verify(absl::string_view token) const override;

  const SigningKey& active_key() const { return active_; }
  // Returns true if a key with this kid is trusted.
  bool Trusts(absl::string_view kid) const { return FindKey(kid) != nullptr; }
  // Returns the `kid` of a token's header without verifying anything (to decide whether a
  // fresh key set is worth fetching), or empty.
  static std::string PeekKid(absl::string_view token);

 private:
  const SigningKey* FindKey(absl::string_view kid) const;
  // The key of a header this codec writes, byte for byte, or nullptr.
  const SigningKey* KeyOfKnownHeader(absl::string_view encoded) const;
  // The key an arbitrary header names, once its alg, typ and kid are checked, or nullptr.
  const SigningKey* KeyOfHeader(absl::string_view encoded) const;

  SigningKey active_;
  std::vector<SigningKey> trusted_;
  std::string encoded_header_;  // the active key's header, precomputed
  // The header each key signs with, encoded, and its key (an index into trusted_, npos for
  // active_; not a pointer, the codec may be moved): a token whose header is byte for byte one
  // of these needs no header parse.
  std::vector<std::pair<std::string, size_t>> known_headers_;
};

}  // namespace warden::crypto
