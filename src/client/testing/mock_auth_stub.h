#pragma once

#include <gmock/gmock.h>

#include "client/auth_stub.h"

namespace warden::client {

// A gmock AuthStub, shipped so users of the client library can test their own error paths.
class MockAuthStub : public AuthStub {
 public:
  MOCK_METHOD(absl::StatusOr<::auth::RegisterResponse>, Register,
              (grpc::ClientContext&, const ::auth::RegisterRequest&), (override));
  MOCK_METHOD(absl::StatusOr<::auth::LoginResponse>, Login,
              (grpc::ClientContext&, const ::auth::LoginRequest&), (override));
  MOCK_METHOD(absl::StatusOr<::auth::RefreshTokenResponse>, RefreshToken,
              (grpc::ClientContext&, const ::auth::RefreshTokenRequest&), (override));
  MOCK_METHOD(absl::StatusOr<::auth::TokenInfo>, ValidateToken, (grpc::ClientContext&), (override));
  MOCK_METHOD(absl::Status, Logout, (grpc::ClientContext&), (override));
  MOCK_METHOD(absl::StatusOr<::grpc::health::v1::HealthCheckResponse>, Check,
              (grpc::ClientContext&, const ::grpc::health::v1::HealthCheckRequest&), (override));
  MOCK_METHOD(absl::Status, Call,
              (grpc::ClientContext&, const std::string&, const google::protobuf::Message&,
               google::protobuf::Message&),
              (override));
};

}  // namespace warden::client
