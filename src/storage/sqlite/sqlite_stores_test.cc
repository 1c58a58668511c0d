#include "storage/sqlite/sqlite_stores.h"

#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "storage/contract/store_contract.h"

namespace warden::storage {
namespace {

StoreSet MakeSqliteStores(std::string path) {
  absl::StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open({.path = path});
  EXPECT_THAT(db, IsOk());
  std::shared_ptr<SqliteDatabase> owner = *std::move(db);
  return StoreSet{.owner = owner,
                  .users = std::make_unique<SqliteUserStore>(*owner),
                  .sessions = std::make_unique<SqliteSessionStore>(*owner),
                  .signing_keys = std::make_unique<SqliteSigningKeyStore>(*owner),
                  .audit = std::make_unique<SqliteAuditStore>(*owner),
                  .api_keys = std::make_unique<SqliteApiKeyStore>(*owner)};
}

std::string TempDbPath() {
  static int counter = 0;
  return (std::filesystem::temp_directory_path() /
          absl::StrCat("warden-sqlite-test-", getpid(), "-", counter++, ".db"))
      .string();
}

const StoreFactory kSqliteMemory{.name = "SqliteInMemory",
                                 .make = [] { return MakeSqliteStores(":memory:"); }};
const StoreFactory kSqliteFile{.name = "SqliteFile", .make = [] {
                                 const std::string path = TempDbPath();
                                 StoreSet set = MakeSqliteStores(path);
                                 // The file is unlinked now; the open connection keeps it alive.
                                 std::filesystem::remove(path);
                                 std::filesystem::remove(path + "-wal");
                                 std::filesystem::remove(path + "-shm");
                                 return set;
                               }};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(kSqliteMemory, kSqliteFile),
                         StoreFactoryName);
INSTANTIATE_TEST_SUITE_P(Sqlite, SessionContract, ::testing::Values(kSqliteMemory, kSqliteFile),
                         StoreFactoryName);

TEST(SqliteDatabaseTest, MigratesToLatestSchemaAndReopensData) {
  const std::string path = TempDbPath();
  {
    StoreSet set = MakeSqliteStores(path);
    ASSERT_THAT(set.users->Create(ContractUser("persisted")), IsOk());
  }
  {
    absl::StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open({.path = path});
    ASSERT_THAT(db, IsOk());
    EXPECT_EQ((*db)->SchemaVersion(), SqliteDatabase::LatestSchemaVersion());
    SqliteUserStore users(**db);
    EXPECT_THAT(users.FindByUsernameKey("persisted"), IsOk());
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

TEST(SqliteDatabaseTest, RefusesSchemaNewerThanBinary) {
  const std::string path = TempDbPath();
  {
    absl::StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open({.path = path});
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT((*db)->WithConnection(
                    false, [](SqliteDatabase& d) { return d.Exec("PRAGMA user_version=999"); }),
                IsOk());
  }
  EXPECT_THAT(SqliteDatabase::Open({.path = path}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "newer"));
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

TEST(SqliteDatabaseTest, UnopenablePathNamesThePath) {
  EXPECT_THAT(SqliteDatabase::Open({.path = "/nonexistent-dir/x/warden.db"}),
              StatusIs(absl::StatusCode::kUnavailable, "/nonexistent-dir/x/warden.db"));
}

}  // namespace
}  // namespace warden::storage
