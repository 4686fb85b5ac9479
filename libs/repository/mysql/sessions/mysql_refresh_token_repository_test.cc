// MysqlRefreshTokenRepository over mocked Connector/C++ objects: the statements of Create(),
// RevokeSessionFamily() and RevokeAllForUser(), their bound parameters, commit and rollback.
// (Rotate(): mysql_refresh_token_repository_rotate_test.cc.)
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"

#include <cppconn/exception.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connector_mock.h"
#include "libs/repository/mysql/sessions/refresh_token_unit_test_base.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql::MockPreparedStatement;
using ::auth::mysql::MockResultSet;
using ::auth::mysql::SqlEq;
using ::auth::mysql::SqlHas;
using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Eq;
using ::testing::InSequence;
using ::testing::Matcher;
using ::testing::Not;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::Throw;

TEST_F(MysqlRefreshTokenRepositoryTest, CreateInsertsTokenAndSessionInOneTransaction) {
  ExpectCommit();
  ExpectInsertGrant();
  EXPECT_THAT(repository_->Create(Successor(), {}), IsOk());
}

TEST_F(MysqlRefreshTokenRepositoryTest, CreateSettlesTheAttemptCountersLastInTheTransaction) {
  ExpectCommit();
  InSequence order;
  ExpectInsertGrant();
  MockPreparedStatement* settle =
      ExpectPrepare(AllOf(SqlHas("UPDATE attempt_counters"), Not(SqlHas("login-account")),
                          Not(SqlHas("login-address"))));
  // The reset key is bound twice (expiry, then count), then both keys for the WHERE.
  EXPECT_CALL(*settle, setString(1, SqlEq("login-account:42")));
  EXPECT_CALL(*settle, setString(2, SqlEq("login-account:42")));
  EXPECT_CALL(*settle, setString(3, SqlEq("login-account:42")));
  EXPECT_CALL(*settle, setString(4, SqlEq("login-address:a")));
  EXPECT_CALL(*settle, executeUpdate()).WillOnce(Return(2));
  EXPECT_THAT(repository_->Create(Successor(), {.reset_keys = {"login-account:42"},
                                                .refund_keys = {"login-address:a"}}),
              IsOk());
}

TEST_F(MysqlRefreshTokenRepositoryTest, CreateRefusesABadSettlementKeyBeforeAnyStatement) {
  EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(_))).Times(0);
  EXPECT_THAT(
      repository_->Create(Successor(), {.reset_keys = {}, .refund_keys = {std::string(161, 'k')}}),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(MysqlRefreshTokenRepositoryTest, CreateRollsBackWhenTheSessionCannotBeStored) {
  ExpectRollback();
  MockPreparedStatement* token = ExpectPrepare(SqlHas("INSERT INTO refresh_tokens"));
  EXPECT_CALL(*token, setString(_, _)).Times(4);  // with amr
  EXPECT_CALL(*token, setInt64(_, _));
  EXPECT_CALL(*token, setDateTime(_, _)).Times(2);  // expires_at, family_started_at
  EXPECT_CALL(*token, executeUpdate()).WillOnce(Return(1));
  MockPreparedStatement* session = ExpectPrepare(SqlHas("INSERT INTO sessions"));
  EXPECT_CALL(*session, setString(_, _)).Times(3);
  EXPECT_CALL(*session, setInt64(_, _));
  EXPECT_CALL(*session, setDateTime(_, _));
  EXPECT_CALL(*session, executeUpdate())
      .WillOnce(
          Throw(sql::SQLException("Duplicate entry 'jti-new' for key 'PRIMARY'", "23000", 1062)));
  EXPECT_THAT(repository_->Create(Successor(), {}),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("jti already taken")));
  EXPECT_EQ(mock_.pool().OpenCountForTest(), 1);  // rolled back cleanly: the connection is kept
}

TEST_F(MysqlRefreshTokenRepositoryTest, CreateRefusesATokenOfAnotherSession) {
  repository::SessionGrant grant = Successor();
  grant.refresh_token.session_jti = "jti-other";
  EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(_))).Times(0);
  EXPECT_THAT(repository_->Create(grant, {}), StatusIs(absl::StatusCode::kInternal));
}

TEST_F(MysqlRefreshTokenRepositoryTest, RevokeSessionFamilyRevokesTheFamilyThenTheSession) {
  ExpectCommit();
  InSequence order;
  MockPreparedStatement* select = ExpectPrepare(AllOf(
      SqlHas("SELECT family_id FROM refresh_tokens WHERE session_jti = ?"), SqlHas("FOR UPDATE")));
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*select, setString(1, SqlEq("jti-old")));
  EXPECT_CALL(*select, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(true));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(1))).WillOnce(Return(sql::SQLString("family-1")));
  ExpectRevokeFamily();
  MockPreparedStatement* revoke = ExpectPrepare(SqlHas("UPDATE sessions SET revoked_at"));
  EXPECT_CALL(*revoke, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*revoke, setString(2, SqlEq("jti-old")));
  EXPECT_CALL(*revoke, executeUpdate()).WillOnce(Return(0));
  EXPECT_THAT(repository_->RevokeSessionFamily("jti-old"), IsOk());
}

TEST_F(MysqlRefreshTokenRepositoryTest, RevokeAllForUserRevokesTokensThenSessions) {
  ExpectCommit();
  InSequence order;
  MockPreparedStatement* tokens = ExpectPrepare(
      AllOf(SqlHas("UPDATE refresh_tokens SET revoked_at"), SqlHas("user_id IN (?)")));
  EXPECT_CALL(*tokens, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*tokens, setInt64(2, 42));
  EXPECT_CALL(*tokens, executeUpdate()).WillOnce(Return(4));
  MockPreparedStatement* sessions =
      ExpectPrepare(AllOf(SqlHas("UPDATE sessions SET revoked_at"), SqlHas("user_id IN (?)")));
  EXPECT_CALL(*sessions, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*sessions, setInt64(2, 42));
  EXPECT_CALL(*sessions, setDateTime(3, SqlEq(kNowSql)));
  EXPECT_CALL(*sessions, executeUpdate()).WillOnce(Return(3));
  EXPECT_THAT(repository_->RevokeAllForUser(42), IsOkAndHolds(int64_t{3}));
}

}  // namespace
}  // namespace auth::mysql_repository
