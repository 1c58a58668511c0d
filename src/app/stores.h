#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "config/server_config.h"
#include "core/ports/api_key_store.h"
#include "core/ports/audit.h"
#include "core/ports/session_store.h"
#include "core/ports/signing_keys.h"
#include "core/ports/user_store.h"

namespace warden::app {

// The configured backend's stores: SQLite under the data dir (default) or PostgreSQL
// (`--store postgres://...`). `owner` keeps the database (and its pool) alive.
struct Stores {
  std::shared_ptr<void> owner;
  std::string backend;  // "sqlite" or "postgres"
  std::unique_ptr<core::UserStore> users;
  std::unique_ptr<core::SessionStore> sessions;
  std::unique_ptr<core::SigningKeyStore> signing_keys;
  std::unique_ptr<core::AuditStore> audit;
  std::unique_ptr<core::ApiKeyStore> api_keys;
  // Connection pool gauges (PostgreSQL; zeros for SQLite): size, in use, timed-out waits.
  std::function<std::array<double, 3>()> pool_stats;
  // The same for the read replica's pool; empty without one.
  std::function<std::array<double, 3>()> read_pool_stats;
};

// Opens the configured backend. SQLite always migrates; PostgreSQL migrates only when `migrate`
// (the `wardend migrate` command, or --migrate-on-start) and otherwise refuses a schema that is
// older or newer than this build's. Errors name the backend and what failed.
absl::StatusOr<Stores> OpenStores(const config::ServerConfig& config, bool migrate);

// `wardend migrate`: brings the configured database's schema to this build's version and
// prints it. Returns the exit code.
int RunMigrateCommand(const config::ServerConfig& config, std::ostream& out, std::ostream& err);

}  // namespace warden::app
