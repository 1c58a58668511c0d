#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "client/auth_stub.h"

namespace warden::client {

// The public client API for the seed's service: plain arguments in, StatusOr out. Sets the
// bearer header where a call needs one; deadlines are the methods' defaults unless
// Options::timeout is set. Thread-safe. Shares ownership of `stub`.
class AuthClient {
 public:
  struct Options {
    std::chrono::milliseconds timeout{0};  // zero: each method's default (methods.h)
  };
  AuthClient(std::shared_ptr<AuthStub> stub, Options options)
      : stub_(std::move(stub)), options_(options) {}

  // Returns a client whose calls carry W3C trace context `traceparent` (the caller's span), so
  // Warden's access log and spans join the caller's trace.
  AuthClient WithTraceparent(std::string traceparent) const {
    AuthClient copy(stub_, options_);
    copy.traceparent_ = std::move(traceparent);
    return copy;
  }

  absl::StatusOr<::auth::RegisterResponse> Register(const ::auth::RegisterRequest& request);
  // Asks for a rotating session: keep each RefreshToken answer's refresh_token.
  absl::StatusOr<::auth::LoginResponse> Login(const std::string& username,
                                              const std::string& password);
  absl::StatusOr<::auth::RefreshTokenResponse> RefreshToken(const std::string& refresh_token);
  absl::StatusOr<::auth::TokenInfo> ValidateToken(const std::string& access_token);
  absl::Status Logout(const std::string& access_token);
  // Returns the serving status of `service` ("" for the whole server).
  absl::StatusOr<::grpc::health::v1::HealthCheckResponse::ServingStatus> Health(
      const std::string& service);

 private:
  CallContext NewContext(const std::string& bearer = "") const;

  std::shared_ptr<AuthStub> stub_;
  Options options_;
  std::string traceparent_;
};

}  // namespace warden::client
