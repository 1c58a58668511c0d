#include "client/methods.h"

#include "absl/strings/str_cat.h"
#include "auth.grpc.pb.h"
#include "health/v1/health.grpc.pb.h"
#include "warden/v1/admin.grpc.pb.h"

namespace warden::client::methods {
namespace {

using std::chrono::seconds;

template <typename Service>
std::string Name(const char* method) {
  return absl::StrCat("/", Service::service_full_name(), "/", method);
}

using Auth = ::auth::AuthService;
using Admin = ::warden::v1::AdminService;
using Account = ::warden::v1::AccountService;

}  // namespace

// Login hashes a password (about 50-100 ms under load), so it gets more time than the rest.
const Method kRegister{Name<Auth>("Register"), false, seconds(10)};
const Method kLogin{Name<Auth>("Login"), false, seconds(10)};
const Method kRefreshToken{Name<Auth>("RefreshToken"), true, seconds(5)};
const Method kValidateToken{Name<Auth>("ValidateToken"), true, seconds(2)};
// Logout is not retried: a retry after a logout that landed would be refused (token revoked).
const Method kLogout{Name<Auth>("Logout"), false, seconds(5)};
const Method kHealthCheck{Name<::grpc::health::v1::Health>("Check"), true, seconds(2)};
const Method kChangePassword{Name<Account>("ChangePassword"), false, seconds(10)};
const Method kListUsers{Name<Admin>("ListUsers"), true, seconds(10)};
const Method kGetUser{Name<Admin>("GetUser"), true, seconds(5)};
const Method kSetRoles{Name<Admin>("SetRoles"), true, seconds(5)};
const Method kSetDisabled{Name<Admin>("SetDisabled"), true, seconds(5)};
const Method kDeleteUser{Name<Admin>("DeleteUser"), true, seconds(5)};
const Method kSetPassword{Name<Admin>("SetPassword"), false, seconds(10)};
const Method kListSessions{Name<Admin>("ListSessions"), true, seconds(5)};
const Method kRevokeSession{Name<Admin>("RevokeSession"), true, seconds(5)};
const Method kRevokeUserSessions{Name<Admin>("RevokeUserSessions"), true, seconds(5)};
const Method kCreateApiKey{Name<Admin>("CreateApiKey"), false, seconds(5)};
const Method kListApiKeys{Name<Admin>("ListApiKeys"), true, seconds(5)};
const Method kRevokeApiKey{Name<Admin>("RevokeApiKey"), true, seconds(5)};
const Method kListAuditEvents{Name<Admin>("ListAuditEvents"), true, seconds(10)};

const std::vector<const Method*>& All() {
  static const std::vector<const Method*> all{
      &kRegister,           &kLogin,          &kRefreshToken, &kValidateToken, &kLogout,
      &kHealthCheck,        &kChangePassword, &kListUsers,    &kGetUser,       &kSetRoles,
      &kSetDisabled,        &kDeleteUser,     &kSetPassword,  &kListSessions,  &kRevokeSession,
      &kRevokeUserSessions, &kCreateApiKey,   &kListApiKeys,  &kRevokeApiKey,  &kListAuditEvents};
  return all;
}

}  // namespace warden::client::methods
