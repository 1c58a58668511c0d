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
#include "absl/strings/strip.h"
#include "common/testing/status_matchers.h"
#include "storage/contract/store_contract.h"
#include "storage/postgres/pg_database.h"
#include "storage/postgres/pg_stores.h"

namespace warden::storage {
namespace {

// The fixture's connection string: `suffix` "" for the server, ".replica" for its standby
// (STATE.url and STATE.replica, next to each other).
std::string FixtureConninfo(absl::string_view suffix) {
  const char* file = std::getenv("WARDEN_TEST_POSTGRES_FILE");
  if (file == nullptr) {
    return "";
  }
  std::string path = file;
  if (!suffix.empty()) {
    path = absl::StrCat(absl::StripSuffix(path, ".url"), suffix);
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string BaseConninfo() { return FixtureConninfo(""); }

// A fresh schema per test, so every test starts from an empty database.
std::string FreshSchema() {
  static std::atomic<int> next{0};
  const std::string schema =
      absl::StrCat("t", getpid(), "_", next.fetch_add(1), "_",
                   std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
  PGconn* admin = PQconnectdb(BaseConninfo().c_str());
  PQclear(PQexec(admin, absl::StrCat("CREATE SCHEMA ", schema).c_str()));
  PQfinish(admin);
  return schema;
}

std::string InSchema(const std::string& base, const std::string& schema) {
  return absl::StrCat(base, " options='-c search_path=", schema, "'");
}

std::string FreshSchemaConninfo() { return InSchema(BaseConninfo(), FreshSchema()); }

// The first column of the first row of `sql`, or "" on error.
std::string Scalar(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  std::string value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0
                          ? PQgetvalue(result, 0, 0)
                          : "";
  PQclear(result);
  PQfinish(conn);
  return value;
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

TEST(PgDatabaseTest, AStatementPastItsTimeoutIsUnavailable) {
  auto db = PgDatabase::Open(
                {.url = FreshSchemaConninfo(), .statement_timeout = std::chrono::milliseconds(100)})
                .value();
  EXPECT_THAT(db->WithConnection(
                  [](PgConnection& conn) { return conn.Query("SELECT pg_sleep(5)").status(); }),
              StatusIs(absl::StatusCode::kUnavailable, "statement timeout"));
  // The connection is still good for the next call.
  EXPECT_THAT(
      db->WithConnection([](PgConnection& conn) { return conn.Query("SELECT 1").status(); }),
      IsOk());
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

// A streaming hot standby of the fixture's server (pg_fixture.sh replica, STATE.replica).
class ReadReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    replica_base_ = FixtureConninfo(".replica");
    ASSERT_FALSE(replica_base_.empty()) << "the fixture started no replica";
  }
  void TearDown() override { Scalar(replica_base_, "SELECT pg_wal_replay_resume()"); }

  // Polls until the replica has replayed everything the primary has written so far.
  void WaitForReplay() {
    // The insert position: with synchronous_commit off, the last commit may not be written yet.
    const std::string lsn = Scalar(BaseConninfo(), "SELECT pg_current_wal_insert_lsn()::text");
    ASSERT_FALSE(lsn.empty());
    for (int i = 0; i < 3000; ++i) {  // up to 30 s
      if (Scalar(replica_base_,
                 absl::StrCat("SELECT pg_last_wal_replay_lsn() >= '", lsn, "'::pg_lsn")) == "t") {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "the replica did not catch up";
  }

  // Pauses replay on the replica and polls until it has actually stopped.
  void PauseReplay() {
    Scalar(replica_base_, "SELECT pg_wal_replay_pause()");
    for (int i = 0; i < 3000; ++i) {  // up to 30 s
      if (Scalar(replica_base_, "SELECT pg_get_wal_replay_pause_state()") == "paused") {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "replay did not pause";
  }

  static std::vector<std::string> Names(const std::vector<core::User>& users) {
    std::vector<std::string> names;
    for (const core::User& user : users) {
      names.push_back(user.username);
    }
    return names;
  }

  std::string replica_base_;
};

core::User NewUser(const std::string& name) {
  return core::User{.id = "id-" + name,
                    .username = name,
                    .username_key = name,
                    .email = name + "@example.com",
                    .email_key = name + "@example.com",
                    .password_hash = "hash",
                    .created_at = core::WallTime(std::chrono::hours(1))};
}

TEST_F(ReadReplicaTest, LagTolerantReadsGoToTheReplicaAndDecisionsToThePrimary) {
  const std::string schema = FreshSchema();
  auto primary = PgDatabase::Open({.url = InSchema(BaseConninfo(), schema)}).value();
  auto replica =
      PgDatabase::Open(
          {.url = InSchema(replica_base_, schema), .migrate = false, .check_schema = false})
          .value();
  PgUserStore users(*primary, replica.get());
  PgAuditStore audit(*primary, replica.get());
  ASSERT_THAT(users.Create(NewUser("early")), IsOk());
  WaitForReplay();
  EXPECT_THAT(Names(users.ListUsers("", 10).value()), ::testing::ElementsAre("early"));

  PauseReplay();
  ASSERT_THAT(users.Create(NewUser("late")), IsOk());  // writes: the primary
  ASSERT_THAT(audit.AppendAuditEvents({core::AuditEvent{.type = "login_succeeded"}}), IsOk());
  EXPECT_THAT(users.FindByUsernameKey("late"), IsOk());  // a decision's read: the primary
  // The listings come from the (paused) replica: the new rows are not there yet.
  EXPECT_THAT(Names(users.ListUsers("", 10).value()), ::testing::ElementsAre("early"));
  EXPECT_TRUE(audit.ListAuditEvents({.limit = 10}).value().empty());

  Scalar(replica_base_, "SELECT pg_wal_replay_resume()");
  WaitForReplay();
  EXPECT_THAT(Names(users.ListUsers("", 10).value()), ::testing::ElementsAre("early", "late"));
  EXPECT_EQ(audit.ListAuditEvents({.limit = 10}).value().size(), 1u);
}

TEST_F(ReadReplicaTest, AnUnreachableReplicaFallsBackToThePrimary) {
  auto primary = PgDatabase::Open({.url = FreshSchemaConninfo()}).value();
  // Opening does not connect, so a replica that is down does not stop a replica from starting.
  auto replica = PgDatabase::Open({.url = "host=/nonexistent-dir dbname=x connect_timeout=2",
                                   .migrate = false,
                                   .check_schema = false})
                     .value();
  PgUserStore users(*primary, replica.get());
  ASSERT_THAT(users.Create(NewUser("solo")), IsOk());
  EXPECT_THAT(Names(users.ListUsers("", 10).value()), ::testing::ElementsAre("solo"));
}

}  // namespace
}  // namespace warden::storage
