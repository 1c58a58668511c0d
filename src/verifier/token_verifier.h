#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "core/access_token_validator.h"
#include "core/revocation_list.h"
#include "crypto/key_ring.h"

namespace warden::verifier {

// Where the verifier gets Warden's public keys. Thread-safe.
class JwksSource {
 public:
  virtual ~JwksSource() = default;
  // Returns the JWK Set JSON.
  virtual absl::StatusOr<std::string> FetchJwks() = 0;
};

// Fetches the JWKS with warden.v1.KeyService/GetJwks.
class GrpcJwksSource final : public JwksSource {
 public:
  explicit GrpcJwksSource(std::shared_ptr<grpc::Channel> channel) : channel_(std::move(channel)) {}
  absl::StatusOr<std::string> FetchJwks() override;

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

// Verifies Warden access tokens inside another service, without calling Warden per request:
// keys come from the JWKS (cached; refreshed every `refresh_interval`, and at once, at most every
// `min_refetch_interval`, when a token names an unknown kid, so bad tokens cannot make it
// hammer Warden); the algorithm is pinned per key; issuer, audience, time with leeway and the
// revocation list (fed by RevocationWatcher) are checked.
//
// Thread-safe. Keeps references to `source` and `clock`.
class TokenVerifier {
 public:
  struct Options {
    std::string issuer = "warden";
    std::string audience = "warden";
    std::chrono::seconds leeway = std::chrono::seconds(30);
    std::chrono::seconds min_refetch_interval = std::chrono::seconds(30);
    std::chrono::seconds refresh_interval = std::chrono::minutes(5);
  };

  TokenVerifier(JwksSource& source, const Clock& clock, Options options);
  ~TokenVerifier();

  // Fetches the keys now. Call once at startup (its error says why Warden is unreachable).
  absl::Status Refresh();
  // Starts refreshing the keys every refresh_interval in the background. Call at most once.
  void StartBackgroundRefresh();

  // Returns the claims of a valid token, or kUnauthenticated.
  absl::StatusOr<core::AccessClaims> Verify(absl::string_view token);

  core::RevocationList& revocations() { return revocations_; }
  int fetches() const;

 private:
  bool RefetchForUnknownKid();

  JwksSource& source_;
  const Clock& clock_;
  const Options options_;
  crypto::KeyRing ring_;
  core::RevocationList revocations_;
  core::AccessTokenValidator validator_;

  mutable std::mutex mutex_;
  std::chrono::steady_clock::time_point last_fetch_;
  bool fetched_ = false;
  int fetches_ = 0;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace warden::verifier
