// The store contract on a real PostgreSQL, started for the test run by
// tests/postgres/pg_fixture.sh (initdb + pg_ctl in a temporary directory, Unix socket only).
// The fixture writes the connection string to the file named by WARDEN_TEST_POSTGRES_FILE.
#include <libpq-fe.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "storage/contract/store_contract.h"
#include "storage/postgres/pg_database.h"
#include "storage/postgres/pg_stores.h"

namespace warden::storage {
namespace {

std::string BaseConninfo() {
  const char* file = std::getenv("WARDEN_TEST_POSTGRES_FILE");
  if (file == nullptr) {
    return "";
  }
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// A fresh schema per test, so every test starts from an empty database.
std::string FreshSchemaConninfo() {
  static std::atomic<int> next{0};
  const std::string base = BaseConninfo();
  const std::string schema =
      absl::StrCat("t", getpid(), "_", next.fetch_add(1), "_",
                   std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
  PGconn* admin = PQconnectdb(base.c_str());
  PQclear(PQexec(admin, absl::StrCat("CREATE SCHEMA ", schema).c_str()));
  PQfinish(admin);
  return absl::StrCat(base, " options='-c search_path=", schema, "'");
}

StoreSet MakePostgresStores() {
  auto db = std::shared_ptr<PgDatabase>(
      PgDatabase::Open({.url = FreshSchemaConninfo(), .pool_size = 4}).value().release());
  return StoreSet{.owner = db,
                  .users = std::make_unique<PgUserStore>(*db),
                  .sessions = std::make_unique<PgSessionStore>(*db),
                  .signing_keys = std::make_unique<PgSigningKeyStore>(*db),
                  .audit = std::make_unique<PgAuditStore>(*db),
                  .api_keys = std::make_unique<PgApiKeyStore>(*db)};
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContract,
                         ::testing::Values(StoreFactory{"Postgres", MakePostgresStores}),
                         StoreFactoryName);
INSTANTIATE_TEST_SUITE_P(Postgres, SessionContract,
                         ::testing::Values(StoreFactory{"Postgres", MakePostgresStores}),
                         StoreFactoryName);

TEST(PgDatabaseTest, FixtureIsThere) {
  ASSERT_FALSE(BaseConninfo().empty()) << "WARDEN_TEST_POSTGRES_FILE names no connection string";
}

TEST(PgDatabaseTest, RefusesAnUnknownNewerSchema) {
  const std::string conninfo = FreshSchemaConninfo();
  ASSERT_THAT(PgDatabase::Open({.url = conninfo}), IsOk());
  PGconn* conn = PQconnectdb(conninfo.c_str());
  PQclear(PQexec(conn, "UPDATE warden_schema SET version = 999"));
  PQfinish(conn);
  EXPECT_THAT(PgDatabase::Open({.url = conninfo}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "newer than this build"));
}

TEST(PgDatabaseTest, WithoutMigrateAnOldSchemaIsReported) {
  const std::string conninfo = FreshSchemaConninfo();
  EXPECT_THAT(PgDatabase::Open({.url = conninfo, .migrate = false}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "wardend migrate"));
  ASSERT_THAT(PgDatabase::Open({.url = conninfo}), IsOk());
  EXPECT_THAT(PgDatabase::Open({.url = conninfo, .migrate = false}), IsOk());
}

TEST(PgDatabaseTest, ExhaustedPoolAnswersUnavailableAfterTheWait) {
  auto db = PgDatabase::Open({.url = FreshSchemaConninfo(),
                              .pool_size = 1,
                              .acquire_timeout = std::chrono::milliseconds(50)})
                .value();
  absl::Status inner;
  ASSERT_THAT(db->WithConnection([&](PgConnection&) {
    inner = db->WithConnection([](PgConnection&) { return absl::OkStatus(); });
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_THAT(inner, StatusIs(absl::StatusCode::kUnavailable, "pool exhausted"));
  EXPECT_EQ(db->Stats().waits_timed_out, 1);
  EXPECT_EQ(db->Stats().in_use, 0u);
}

TEST(PgDatabaseTest, UnreachableServerIsUnavailable) {
  EXPECT_THAT(PgDatabase::Open({.url = "host=/nonexistent-dir dbname=x connect_timeout=2"}),
              StatusIs(absl::StatusCode::kUnavailable, "cannot connect"));
}

TEST(PgDatabaseTest, ABrokenConnectionIsReplaced) {
  const std::string conninfo = FreshSchemaConninfo();
  auto db = PgDatabase::Open({.url = conninfo, .pool_size = 1}).value();
  PgUserStore users(*db);
  ASSERT_THAT(users.Ping(), IsOk());
  // Kill our own backend (as a database restart would), then use the store again.
  std::string pid;
  ASSERT_THAT(db->WithConnection([&](PgConnection& conn) {
    absl::StatusOr<PgRows> rows = conn.Query("SELECT pg_backend_pid()::text");
    if (rows.ok()) {
      pid = rows->Text(0, 0);
    }
    return rows.status();
  }),
              IsOk());
  PGconn* admin = PQconnectdb(conninfo.c_str());
  PQclear(PQexec(admin, absl::StrCat("SELECT pg_terminate_backend(", pid, ")").c_str()));
  PQfinish(admin);
  EXPECT_THAT(users.Ping(), StatusIs(absl::StatusCode::kUnavailable));  // noticed here
  EXPECT_THAT(users.Ping(), IsOk());                                    // and healed
}

}  // namespace
}  // namespace warden::storage
