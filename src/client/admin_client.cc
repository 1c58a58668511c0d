#include "client/admin_client.h"

#include "client/invoker_auth_stub.h"
#include "client/methods.h"

namespace warden::client {

template <typename Response>
absl::StatusOr<Response> AdminClient::Call(const Method& method,
                                           const google::protobuf::Message& request) {
  CallContext context;
  if (!credential_.api_key.empty()) {
    context.metadata.emplace_back("x-api-key", credential_.api_key);
  } else if (!credential_.bearer.empty()) {
    context.metadata.emplace_back("authorization", "Bearer " + credential_.bearer);
  }
  return InvokeTyped<Response>(*invoker_, context, method, request);
}

#define WARDEN_ADMIN_CALL(Name)                                                      \
  absl::StatusOr<v1::Name##Response> AdminClient::Name(const v1::Name##Request& r) { \
    return Call<v1::Name##Response>(methods::k##Name, r);                            \
  }

WARDEN_ADMIN_CALL(ListUsers)
WARDEN_ADMIN_CALL(GetUser)
WARDEN_ADMIN_CALL(SetRoles)
WARDEN_ADMIN_CALL(SetDisabled)
WARDEN_ADMIN_CALL(DeleteUser)
WARDEN_ADMIN_CALL(SetPassword)
WARDEN_ADMIN_CALL(ListSessions)
WARDEN_ADMIN_CALL(RevokeSession)
WARDEN_ADMIN_CALL(RevokeUserSessions)
WARDEN_ADMIN_CALL(CreateApiKey)
WARDEN_ADMIN_CALL(ListApiKeys)
WARDEN_ADMIN_CALL(RevokeApiKey)
WARDEN_ADMIN_CALL(ListAuditEvents)
WARDEN_ADMIN_CALL(ChangePassword)

#undef WARDEN_ADMIN_CALL

}  // namespace warden::client
