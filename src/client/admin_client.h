#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/unary_invoker.h"
#include "warden/v1/admin.pb.h"

namespace warden::client {

// Who a call is made as: an access token (Bearer) or an API key (x-api-key).
struct Credential {
  std::string bearer;
  std::string api_key;
};

// Typed calls of warden.v1.AdminService and AccountService over the client stack, made as one
// credential. Thread-safe; cheap to make per credential. Tests mock the invoker
// (MockUnaryInvoker).
class AdminClient {
 public:
  AdminClient(std::shared_ptr<UnaryInvoker> invoker, Credential credential)
      : invoker_(std::move(invoker)), credential_(std::move(credential)) {}

  absl::StatusOr<v1::ListUsersResponse> ListUsers(const v1::ListUsersRequest& request);
  absl::StatusOr<v1::GetUserResponse> GetUser(const v1::GetUserRequest& request);
  absl::StatusOr<v1::SetRolesResponse> SetRoles(const v1::SetRolesRequest& request);
  absl::StatusOr<v1::SetDisabledResponse> SetDisabled(const v1::SetDisabledRequest& request);
  absl::StatusOr<v1::DeleteUserResponse> DeleteUser(const v1::DeleteUserRequest& request);
  absl::StatusOr<v1::SetPasswordResponse> SetPassword(const v1::SetPasswordRequest& request);
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(const v1::ListSessionsRequest& request);
  absl::StatusOr<v1::RevokeSessionResponse> RevokeSession(const v1::RevokeSessionRequest& request);
  absl::StatusOr<v1::RevokeUserSessionsResponse> RevokeUserSessions(
      const v1::RevokeUserSessionsRequest& request);
  absl::StatusOr<v1::CreateApiKeyResponse> CreateApiKey(const v1::CreateApiKeyRequest& request);
  absl::StatusOr<v1::ListApiKeysResponse> ListApiKeys(const v1::ListApiKeysRequest& request);
  absl::StatusOr<v1::RevokeApiKeyResponse> RevokeApiKey(const v1::RevokeApiKeyRequest& request);
  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const v1::ListAuditEventsRequest& request);
  // AccountService: the caller's own password; signs out the caller's other sessions.
  absl::StatusOr<v1::ChangePasswordResponse> ChangePassword(
      const v1::ChangePasswordRequest& request);

 private:
  template <typename Response>
  absl::StatusOr<Response> Call(const Method& method, const google::protobuf::Message& request);

  std::shared_ptr<UnaryInvoker> invoker_;
  Credential credential_;
};

}  // namespace warden::client
