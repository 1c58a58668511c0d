#pragma once

#include <gmock/gmock.h>

#include "client/auth_stub.h"
#include "client/unary_invoker.h"

namespace warden::client {

// A gmock AuthStub, shipped so users of the client library can test their own error paths.
class MockAuthStub : public AuthStub {
 public:
  MOCK_METHOD(absl::StatusOr<::auth::RegisterResponse>, Register,
              (CallContext&, const ::auth::RegisterRequest&), (override));
  MOCK_METHOD(absl::StatusOr<::auth::LoginResponse>, Login,
              (CallContext&, const ::auth::LoginRequest&), (override));
  MOCK_METHOD(absl::StatusOr<::auth::RefreshTokenResponse>, RefreshToken,
              (CallContext&, const ::auth::RefreshTokenRequest&), (override));
  MOCK_METHOD(absl::StatusOr<::auth::TokenInfo>, ValidateToken, (CallContext&), (override));
  MOCK_METHOD(absl::Status, Logout, (CallContext&), (override));
  MOCK_METHOD(absl::StatusOr<::grpc::health::v1::HealthCheckResponse>, Check,
              (CallContext&, const ::grpc::health::v1::HealthCheckRequest&), (override));
};

// A gmock UnaryInvoker: the seam under AdminClient and every decorator of the stack.
class MockUnaryInvoker : public UnaryInvoker {
 public:
  MOCK_METHOD(absl::Status, Invoke,
              (CallContext&, const Method&, const google::protobuf::Message&,
               google::protobuf::Message&),
              (override));
};

}  // namespace warden::client
