#include "verifier/token_verifier.h"

#include "warden/v1/keys.grpc.pb.h"

namespace warden::verifier {

absl::StatusOr<std::string> GrpcJwksSource::FetchJwks() {
  auto stub = ::warden::v1::KeyService::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  ::warden::v1::GetJwksResponse response;
  grpc::Status status = stub->GetJwks(&context, {}, &response);
  if (!status.ok()) {
    return absl::UnavailableError("cannot fetch Warden's JWKS: " + status.error_message());
  }
  return response.jwks_json();
}

TokenVerifier::TokenVerifier(JwksSource& source, const Clock& clock, Options options)
    : source_(source),
      clock_(clock),
      options_(std::move(options)),
      ring_(std::nullopt),
      validator_(ring_, revocations_, clock_,
                 core::AccessTokenValidator::Options{.issuer = options_.issuer,
                                                     .audience = options_.audience,
                                                     .leeway = options_.leeway}) {}

TokenVerifier::~TokenVerifier() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) {
    refresher_.join();
  }
}

absl::Status TokenVerifier::Refresh() {
  absl::StatusOr<std::string> jwks = source_.FetchJwks();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last_fetch_ = clock_.SteadyNow();
    fetched_ = true;
    ++fetches_;
  }
  if (!jwks.ok()) {
    return jwks.status();
  }
  absl::Status installed = ring_.InstallJwks(*jwks);
  if (installed.ok()) {
    // A key may have left the set: drop verifications made with it.
    validator_.ForgetVerifiedTokens();
  }
  return installed;
}

void TokenVerifier::StartBackgroundRefresh() {
  refresher_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, options_.refresh_interval, [this] { return stopping_; })) {
      lock.unlock();
      (void)Refresh();  // on failure the old keys stay in use
      lock.lock();
    }
  });
}

bool TokenVerifier::RefetchForUnknownKid() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fetched_ && clock_.SteadyNow() - last_fetch_ < options_.min_refetch_interval) {
      return false;  // rate limit: unknown kids must not amplify into calls to Warden
    }
    last_fetch_ = clock_.SteadyNow();
    fetched_ = true;
  }
  return Refresh().ok();
}

absl::StatusOr<core::AccessClaims> TokenVerifier::Verify(absl::string_view token) {
  absl::StatusOr<core::AccessClaims> claims = validator_.Validate(token);
  if (claims.ok()) {
    return claims;
  }
  const std::string kid = crypto::JwtCodec::PeekKid(token);
  if (!kid.empty() && !ring_.Trusts(kid) && RefetchForUnknownKid() && ring_.Trusts(kid)) {
    return validator_.Validate(token);
  }
  return claims;
}

int TokenVerifier::fetches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fetches_;
}

}  // namespace warden::verifier
