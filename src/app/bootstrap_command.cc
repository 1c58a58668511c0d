#include "app/bootstrap_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "app/stores.h"
#include "common/clock.h"
#include "core/admin_service.h"
#include "core/revocation_list.h"
#include "core/validation.h"
#include "crypto/argon2id_hasher.h"
#include "crypto/sodium_primitives.h"

namespace warden::app {
namespace {

bool HasAdmin(core::UserStore& users, absl::Status& error) {
  std::string after;
  while (true) {
    absl::StatusOr<std::vector<core::User>> page = users.ListUsers(after, 500);
    if (!page.ok()) {
      error = page.status();
      return false;
    }
    for (const core::User& user : *page) {
      if (std::find(user.roles.begin(), user.roles.end(), core::kRoleAdmin) != user.roles.end() &&
          !user.disabled) {
        return true;
      }
    }
    if (page->size() < 500) {
      return false;
    }
    after = page->back().username_key;
  }
}

}  // namespace

int RunBootstrapCommand(const CommandInput& input) {
  const config::ServerConfig& config = input.config;
  std::istream& in = input.in;
  std::ostream& out = input.out;
  std::ostream& err = input.err;
  const std::string username = input.own.Get("username").value_or("");
  const std::string email = input.own.Get("email").value_or("");
  const bool force = input.own.IsOn("force");
  auto env = input.environment.find("WARDEN_BOOTSTRAP_PASSWORD");
  const std::string env_password = env == input.environment.end() ? "" : env->second;
  if (username.empty()) {
    err << "wardend bootstrap-admin: --username is required\n" << input.usage;
    return 2;
  }
  if (!crypto::InitSodium()) {
    err << "wardend bootstrap-admin: libsodium could not be initialised\n";
    return 1;
  }
  std::error_code dir_error;
  if (std::filesystem::create_directories(config.data_dir, dir_error)) {
    std::filesystem::permissions(config.data_dir, std::filesystem::perms::owner_all, dir_error);
  }
  absl::StatusOr<Stores> stores = OpenStores(config, /*migrate=*/true);
  if (!stores.ok()) {
    err << "wardend bootstrap-admin: " << stores.status().message() << "\n";
    return 1;
  }
  core::UserStore& users = *stores->users;
  core::SessionStore& sessions = *stores->sessions;
  core::AuditStore& audit_store = *stores->audit;
  crypto::Argon2idPasswordHasher hasher(crypto::Argon2idPasswordHasher::Options{});
  crypto::SodiumRandomSource random;
  core::RevocationList revocations;  // a running server learns of revoked sessions on restart
  SystemClock clock;
  core::AdminService admin(core::AdminService::Ports{.users = users,
                                                     .sessions = sessions,
                                                     .hasher = hasher,
                                                     .random = random,
                                                     .revocations = revocations,
                                                     .clock = clock},
                           core::AdminService::Options{});
  absl::Status list_error;
  if (HasAdmin(users, list_error) && !force) {
    err << "wardend bootstrap-admin: an admin exists already; use the admin API (warden admin "
           "...), or --force\n";
    return 3;
  }
  if (!list_error.ok()) {
    err << "wardend bootstrap-admin: " << list_error.message() << "\n";
    return 1;
  }
  const core::Principal actor{
      .kind = core::Principal::Kind::kUser, .id = "bootstrap", .name = "wardend bootstrap-admin"};
  absl::StatusOr<core::User> existing = users.FindByUsernameKey(core::CaseFoldKey(username));
  absl::StatusOr<core::User> result = existing;
  if (existing.ok()) {
    std::vector<std::string> roles = existing->roles;
    roles.push_back(std::string(core::kRoleAdmin));
    result = admin.SetRoles(actor, existing->id, roles);
  } else if (existing.status().code() == absl::StatusCode::kNotFound) {
    std::string password = env_password;
    if (password.empty() && !std::getline(in, password)) {
      err << "wardend bootstrap-admin: no password (WARDEN_BOOTSTRAP_PASSWORD or stdin)\n";
      return 2;
    }
    result = admin.CreateUser(
        actor,
        core::RegistrationRequest{.username = username, .email = email, .password = password},
        {"user", std::string(core::kRoleAdmin)});
  } else {
    err << "wardend bootstrap-admin: " << existing.status().message() << "\n";
    return 1;
  }
  if (!result.ok()) {
    err << "wardend bootstrap-admin: " << result.status().message() << "\n";
    return result.status().code() == absl::StatusCode::kInvalidArgument ||
                   result.status().code() == absl::StatusCode::kAlreadyExists
               ? 2
               : 1;
  }
  (void)audit_store.AppendAuditEvents({core::AuditEvent{
      .at = clock.WallNow(),
      .type = "admin_bootstrapped",
      .user_id = result->id,
      .username = result->username,
      .detail = existing.ok() ? "admin role granted to an existing user" : "admin user created"}});
  out << (existing.ok() ? "granted admin to " : "created admin ") << result->username << " ("
      << result->id << ")\n";
  return 0;
}

}  // namespace warden::app
