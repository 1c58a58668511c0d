#include "storage/sql/sql_statements.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/sql/sql_rows.h"

namespace warden::storage::sql {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every statement but the one the dialects write differently, for the "one text" check.
const std::vector<std::string Statements::*>& SharedStatements() {
  static const auto* all =
      new std::vector<std::string Statements::*>{&Statements::ping,
                                                 &Statements::insert_user,
                                                 &Statements::find_user_by_username_key,
                                                 &Statements::find_user_by_id,
                                                 &Statements::list_users,
                                                 &Statements::update_password_hash,
                                                 &Statements::update_roles,
                                                 &Statements::set_disabled,
                                                 &Statements::delete_user,
                                                 &Statements::insert_session,
                                                 &Statements::insert_refresh_token,
                                                 &Statements::successor_unused,
                                                 &Statements::spend_refresh_token,
                                                 &Statements::revoke_session_now,
                                                 &Statements::revoke_session,
                                                 &Statements::list_user_sessions,
                                                 &Statements::revoke_user_sessions,
                                                 &Statements::list_sessions_revoked_since,
                                                 &Statements::upsert_revoked_access_token,
                                                 &Statements::list_revoked_access_tokens,
                                                 &Statements::list_signing_keys,
                                                 &Statements::insert_signing_key,
                                                 &Statements::withdraw_signing_key,
                                                 &Statements::delete_signing_key,
                                                 &Statements::insert_audit_event,
                                                 &Statements::list_audit_events,
                                                 &Statements::insert_api_key,
                                                 &Statements::find_api_key,
                                                 &Statements::list_api_keys,
                                                 &Statements::revoke_api_key,
                                                 &Statements::touch_api_key};
  return *all;
}

TEST(SqlStatementsTest, PlaceholdersAreNumberedPerDialect) {
  EXPECT_EQ(InDialect("a = $1 AND b = $12 OR c = $1", Dialect::kSqlite),
            "a = ?1 AND b = ?12 OR c = ?1");
  EXPECT_EQ(InDialect("a = $1", Dialect::kPostgres), "a = $1");
  EXPECT_EQ(InDialect("'$' || x", Dialect::kSqlite), "'$' || x");  // not a placeholder
}

TEST(SqlStatementsTest, BothDialectsShareEveryTextButTheRotationSelect) {
  const Statements& sqlite = StatementsFor(Dialect::kSqlite);
  const Statements& postgres = StatementsFor(Dialect::kPostgres);
  for (auto field : SharedStatements()) {
    EXPECT_FALSE((sqlite.*field).empty());
    EXPECT_EQ(InDialect(postgres.*field, Dialect::kSqlite), sqlite.*field);
    EXPECT_THAT(sqlite.*field, Not(HasSubstr("$")));
  }
  ASSERT_EQ(sqlite.purge_expired.size(), postgres.purge_expired.size());
  for (size_t i = 0; i < sqlite.purge_expired.size(); ++i) {
    EXPECT_EQ(InDialect(postgres.purge_expired[i], Dialect::kSqlite), sqlite.purge_expired[i]);
  }
  // What differs, and only there: PostgreSQL locks the rows; SQLite (one writer) reads the
  // successor's state in the same statement.
  EXPECT_THAT(postgres.rotate_select, HasSubstr("FOR UPDATE OF t, s"));
  EXPECT_THAT(sqlite.rotate_select, Not(HasSubstr("FOR UPDATE")));
  EXPECT_THAT(sqlite.rotate_select, HasSubstr("(SELECT n.spent_at_us IS NULL"));
}

class FakeRow final : public SqlRow {
 public:
  explicit FakeRow(std::vector<std::optional<std::string>> columns)
      : columns_(std::move(columns)) {}
  std::string Text(int c) const override { return columns_[c].value_or(""); }
  int64_t Int(int c) const override { return std::stoll(columns_[c].value_or("0")); }
  bool IsNull(int c) const override { return !columns_[c].has_value(); }
  bool Bool(int c) const override { return columns_[c] == "t" || columns_[c] == "1"; }

 private:
  std::vector<std::optional<std::string>> columns_;
};

TEST(SqlRowsTest, ReadersMapTheColumnListsInOrder) {
  const core::User user = ReadUser(FakeRow(
      {"u1", "Ann", "ann", "a@x", "a@x", "Ann A", "$argon2", "admin,user", "1000000", "t"}));
  EXPECT_EQ(user.id, "u1");
  EXPECT_EQ(user.roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_EQ(user.created_at, FromMicros(1'000'000));
  EXPECT_TRUE(user.disabled);
  EXPECT_TRUE(ReadUser(FakeRow({"u", "", "", "", "", "", "", "", "0", "0"})).roles.empty());

  const core::Session session = ReadSession(FakeRow({"s1", "u1", "1", "2", std::nullopt, "1"}));
  EXPECT_FALSE(session.revoked_at.has_value());
  EXPECT_EQ(session.refresh_mode, core::RefreshMode::kStable);
  EXPECT_EQ(RefreshModeColumn(core::RefreshMode::kStable), 1);
  EXPECT_EQ(RefreshModeColumn(core::RefreshMode::kRotating), 0);

  const core::ApiKeyRecord key =
      ReadApiKey(FakeRow({"k1", "ci", "h", "", "u1", "5", std::nullopt, "7", std::nullopt}));
  EXPECT_FALSE(key.expires_at.has_value());
  EXPECT_EQ(key.last_used_at, FromMicros(7));
  EXPECT_EQ(ToMicros(FromMicros(123456789)), 123456789);
}

TEST(SqlRowsTest, RotationSettlesOnTheSessionFirstThenRetryOrReuse) {
  const core::WallTime now = FromMicros(10'000'000);
  core::Session session{.expires_at = now + std::chrono::hours(1)};
  EXPECT_EQ(SettledBySession(session, now), std::nullopt);
  session.refresh_mode = core::RefreshMode::kStable;
  EXPECT_EQ(SettledBySession(session, now), core::RotateOutcome::kKept);
  session.expires_at = now;
  EXPECT_EQ(SettledBySession(session, now), core::RotateOutcome::kExpired);
  session.revoked_at = now;
  EXPECT_EQ(SettledBySession(session, now), core::RotateOutcome::kRevoked);

  const core::RotateRequest request{.now = now, .grace = std::chrono::seconds(10)};
  EXPECT_TRUE(IsRetry(now - std::chrono::seconds(10), true, request));
  EXPECT_FALSE(IsRetry(now - std::chrono::seconds(11), true, request));  // outside the window
  EXPECT_FALSE(IsRetry(now, false, request));  // an older generation: its successor was used
}

}  // namespace
}  // namespace warden::storage::sql
