#include "app/stores.h"

#include <sys/stat.h>

#include <ostream>

#include "absl/strings/str_cat.h"
#include "storage/postgres/pg_database.h"
#include "storage/postgres/pg_stores.h"
#include "storage/sqlite/sqlite_stores.h"

namespace warden::app {

absl::StatusOr<Stores> OpenStores(const config::ServerConfig& config, bool migrate) {
  Stores stores;
  if (config.storage.postgres_url.empty()) {
    absl::StatusOr<std::unique_ptr<storage::SqliteDatabase>> db =
        storage::SqliteDatabase::Open({.path = config.storage.sqlite_path});
    if (!db.ok()) {
      return db.status();
    }
    chmod(config.storage.sqlite_path.c_str(), 0600);  // SQLite gives -wal and -shm the same mode
    std::shared_ptr<storage::SqliteDatabase> owner = *std::move(db);
    stores.owner = owner;
    stores.backend = "sqlite";
    stores.users = std::make_unique<storage::SqliteUserStore>(*owner);
    stores.sessions = std::make_unique<storage::SqliteSessionStore>(*owner);
    stores.signing_keys = std::make_unique<storage::SqliteSigningKeyStore>(*owner);
    stores.audit = std::make_unique<storage::SqliteAuditStore>(*owner);
    stores.api_keys = std::make_unique<storage::SqliteApiKeyStore>(*owner);
    stores.pool_stats = [] { return std::array<double, 3>{0, 0, 0}; };
    return stores;
  }
  absl::StatusOr<std::unique_ptr<storage::PgDatabase>> db =
      storage::PgDatabase::Open({.url = config.storage.postgres_url,
                                 .pool_size = config.storage.postgres_pool_size,
                                 .acquire_timeout = config.storage.postgres_acquire_timeout,
                                 .statement_timeout = config.storage.postgres_statement_timeout,
                                 .migrate = migrate});
  if (!db.ok()) {
    return absl::Status(db.status().code(), absl::StrCat("PostgreSQL: ", db.status().message()));
  }
  std::shared_ptr<storage::PgDatabase> owner = *std::move(db);
  // The read replica, if any, for the reads the stores name lag-tolerant.
  std::shared_ptr<storage::PgDatabase> replica;
  if (!config.storage.postgres_read_url.empty()) {
    absl::StatusOr<std::unique_ptr<storage::PgDatabase>> opened =
        storage::PgDatabase::Open({.url = config.storage.postgres_read_url,
                                   .pool_size = config.storage.postgres_pool_size,
                                   .acquire_timeout = config.storage.postgres_acquire_timeout,
                                   .statement_timeout = config.storage.postgres_statement_timeout,
                                   .migrate = false,
                                   .check_schema = false});
    if (!opened.ok()) {
      return absl::Status(opened.status().code(),
                          absl::StrCat("PostgreSQL read replica: ", opened.status().message()));
    }
    replica = *std::move(opened);
  }
  stores.owner = std::make_shared<
      std::pair<std::shared_ptr<storage::PgDatabase>, std::shared_ptr<storage::PgDatabase>>>(
      owner, replica);
  stores.backend = "postgres";
  stores.users = std::make_unique<storage::PgUserStore>(*owner, replica.get());
  stores.sessions = std::make_unique<storage::PgSessionStore>(*owner, replica.get());
  stores.signing_keys = std::make_unique<storage::PgSigningKeyStore>(*owner);
  stores.audit = std::make_unique<storage::PgAuditStore>(*owner, replica.get());
  stores.api_keys = std::make_unique<storage::PgApiKeyStore>(*owner, replica.get());
  auto stats_of = [](const storage::PgDatabase* db) {
    return [db] {
      const storage::PgDatabase::PoolStats stats = db->Stats();
      return std::array<double, 3>{static_cast<double>(stats.size),
                                   static_cast<double>(stats.in_use),
                                   static_cast<double>(stats.waits_timed_out)};
    };
  };
  stores.pool_stats = stats_of(owner.get());
  if (replica != nullptr) {
    stores.read_pool_stats = stats_of(replica.get());
  }
  return stores;
}

int RunMigrateCommand(const config::ServerConfig& config, std::ostream& out, std::ostream& err) {
  absl::StatusOr<Stores> stores = OpenStores(config, /*migrate=*/true);
  if (!stores.ok()) {
    err << "wardend migrate: " << stores.status().message() << "\n";
    return stores.status().code() == absl::StatusCode::kFailedPrecondition ? 3 : 1;
  }
  out << "schema up to date (" << stores->backend;
  if (stores->backend == "postgres") {
    out << ", version " << storage::PgDatabase::LatestSchemaVersion();
  }
  out << ")\n";
  return 0;
}

}  // namespace warden::app
