#pragma once

#include <vector>

#include "client/unary_invoker.h"

// The unary methods the client stack calls, with their retry safety and default deadlines.
// Names come from the generated service descriptors.
namespace warden::client::methods {

// auth.AuthService (the seed's service)
extern const Method kRegister;
extern const Method kLogin;
extern const Method kRefreshToken;  // idempotent within the server's reuse grace (ADR 0017)
extern const Method kValidateToken;
extern const Method kLogout;
// grpc.health.v1.Health
extern const Method kHealthCheck;
// warden.v1.AccountService
extern const Method kChangePassword;
// warden.v1.AdminService
extern const Method kListUsers;
extern const Method kGetUser;
extern const Method kSetRoles;
extern const Method kSetDisabled;
extern const Method kDeleteUser;
extern const Method kSetPassword;
extern const Method kListSessions;
extern const Method kRevokeSession;
extern const Method kRevokeUserSessions;
extern const Method kCreateApiKey;
extern const Method kListApiKeys;
extern const Method kRevokeApiKey;
extern const Method kListAuditEvents;

// Every method above, for tests and for metrics that pre-create their series.
const std::vector<const Method*>& All();

}  // namespace warden::client::methods
