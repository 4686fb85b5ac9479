// MysqlRefreshTokenRepositoryTest; see refresh_token_unit_test_base.h.
#include "libs/repository/mysql/sessions/refresh_token_unit_test_base.h"

#include <cppconn/sqlstring.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connector_mock.h"

namespace auth::mysql_repository {

using ::auth::mysql::MockPreparedStatement;
using ::auth::mysql::MockResultSet;
using ::auth::mysql::SqlEq;
using ::auth::mysql::SqlHas;
using ::auth::repository::SessionGrant;
using ::testing::AllOf;
using ::testing::Matcher;
using ::testing::Return;
using ::testing::StrictMock;

MysqlRefreshTokenRepositoryTest::MysqlRefreshTokenRepositoryTest()
    : repository_(std::make_unique<MysqlRefreshTokenRepository>(
          mock_.pool(), [] { return absl::FromUnixSeconds(kNow); })) {}

void MysqlRefreshTokenRepositoryTest::ExpectLookup(bool found) {
  if (lookup_ == nullptr) {
    lookup_ = ExpectPrepare(AllOf(SqlHas("SELECT 1 FROM refresh_tokens WHERE token_hash = ?"),
                                  SqlHas("expires_at > ?")));
  } else {
    EXPECT_CALL(*lookup_, clearParameters());
  }
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*lookup_, setString(1, SqlEq(kOldHash)));
  EXPECT_CALL(*lookup_, setDateTime(2, SqlEq(kNowSql)));
  EXPECT_CALL(*lookup_, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(found));
}

void MysqlRefreshTokenRepositoryTest::ExpectSelect(const std::optional<TokenRow>& row) {
  if (select_ == nullptr) {
    select_ = ExpectPrepare(
        AllOf(SqlHas("FROM refresh_tokens WHERE token_hash = ?"), SqlHas("FOR UPDATE")));
  } else {
    EXPECT_CALL(*select_, clearParameters());
  }
  MockPreparedStatement* select = select_;
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*select, setString(1, SqlEq(kOldHash)));
  EXPECT_CALL(*select, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(row.has_value()));
  if (!row.has_value()) return;
  auto text = [](const std::string& s) { return Return(sql::SQLString(s)); };
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(1))).WillOnce(text(kOldHash));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(2))).WillOnce(text(row->family_id));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(3))).WillOnce(text(row->session_jti));
  EXPECT_CALL(*rows, getUInt64(Matcher<uint32_t>(4))).WillOnce(Return(row->user_id));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(5))).WillOnce(text(row->expires_at));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(6))).WillOnce(text("1699990000"));
  EXPECT_CALL(*rows, isNull(Matcher<uint32_t>(7))).WillOnce(Return(!row->rotated_at));
  if (row->rotated_at) {
    EXPECT_CALL(*rows, getString(Matcher<uint32_t>(7))).WillOnce(text(*row->rotated_at));
  }
  EXPECT_CALL(*rows, isNull(Matcher<uint32_t>(8))).WillOnce(Return(!row->rotated_at));
  if (row->rotated_at) {
    EXPECT_CALL(*rows, getString(Matcher<uint32_t>(8))).WillOnce(text(kNewHash));
  }
  EXPECT_CALL(*rows, isNull(Matcher<uint32_t>(9))).WillOnce(Return(!row->revoked_at));
  if (row->revoked_at) {
    EXPECT_CALL(*rows, getString(Matcher<uint32_t>(9))).WillOnce(text(*row->revoked_at));
  }
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(10))).WillOnce(text(row->family_started_at));
  EXPECT_CALL(*rows, isNull(Matcher<uint32_t>(11))).WillOnce(Return(false));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(11))).WillOnce(text("pwd otp"));
}

void MysqlRefreshTokenRepositoryTest::ExpectSuccessorSelect(bool used) {
  MockPreparedStatement* select = ExpectPrepare(
      AllOf(SqlHas("SELECT rotated_at IS NOT NULL FROM refresh_tokens WHERE token_hash = ?"),
            SqlHas("FOR UPDATE")));
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*select, setString(1, SqlEq(kNewHash)));
  EXPECT_CALL(*select, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(true));
  EXPECT_CALL(*rows, getBoolean(Matcher<uint32_t>(1))).WillOnce(Return(used));
}

void MysqlRefreshTokenRepositoryTest::ExpectInsertGrant() {
  MockPreparedStatement* token = ExpectPrepare(SqlHas("INSERT INTO refresh_tokens"));
  EXPECT_CALL(*token, setString(1, SqlEq(kNewHash)));
  EXPECT_CALL(*token, setString(2, SqlEq("family-1")));
  EXPECT_CALL(*token, setString(3, SqlEq("jti-new")));
  EXPECT_CALL(*token, setInt64(4, 42));
  EXPECT_CALL(*token, setDateTime(5, SqlEq("2023-12-14 22:13:20.000000")));
  EXPECT_CALL(*token, setDateTime(6, SqlEq("2023-11-14 19:26:40.000000")));
  EXPECT_CALL(*token, setString(7, SqlEq("pwd otp")));
  EXPECT_CALL(*token, executeUpdate()).WillOnce(Return(1));
  MockPreparedStatement* session = ExpectPrepare(SqlHas("INSERT INTO sessions"));
  EXPECT_CALL(*session, setString(1, SqlEq("jti-new")));
  EXPECT_CALL(*session, setInt64(2, 42));
  EXPECT_CALL(*session, setDateTime(3, SqlEq("2023-11-14 22:28:20.000000")));
  EXPECT_CALL(*session, setString(4, SqlEq(std::string(64, 'c'))));
  EXPECT_CALL(*session, setString(5, SqlEq("ipv4:127.0.0.1:1")));
  EXPECT_CALL(*session, executeUpdate()).WillOnce(Return(1));
}

void MysqlRefreshTokenRepositoryTest::ExpectRevokeFamily() {
  MockPreparedStatement* tokens =
      ExpectPrepare(AllOf(SqlHas("UPDATE refresh_tokens SET revoked_at"), SqlHas("family_id = ?")));
  EXPECT_CALL(*tokens, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*tokens, setString(2, SqlEq("family-1")));
  EXPECT_CALL(*tokens, executeUpdate()).WillOnce(Return(2));
  MockPreparedStatement* sessions = ExpectPrepare(
      AllOf(SqlHas("UPDATE sessions s JOIN refresh_tokens r"), SqlHas("r.family_id = ?")));
  EXPECT_CALL(*sessions, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*sessions, setString(2, SqlEq("family-1")));
  EXPECT_CALL(*sessions, executeUpdate()).WillOnce(Return(1));
}

void MysqlRefreshTokenRepositoryTest::ExpectCommit() {
  auto* commit = new StrictMock<MockPreparedStatement>;
  EXPECT_CALL(*commit, execute()).WillOnce(Return(false));
  EXPECT_CALL(connection(), setAutoCommit(false));
  EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
      .WillOnce(Return(commit));
  EXPECT_CALL(connection(), rollback()).Times(0);
  EXPECT_CALL(connection(), setAutoCommit(true));
}

void MysqlRefreshTokenRepositoryTest::ExpectRollback() {
  EXPECT_CALL(connection(), setAutoCommit(false));
  EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
      .Times(0);
  EXPECT_CALL(connection(), rollback());
  EXPECT_CALL(connection(), setAutoCommit(true));
}

SessionGrant MysqlRefreshTokenRepositoryTest::Successor() {
  SessionGrant grant;
  grant.session.jti = "jti-new";
  grant.session.user_id = 42;
  grant.session.expires_at = absl::FromUnixSeconds(kNow) + absl::Minutes(15);
  grant.session.token_hash = std::string(64, 'c');
  grant.session.client_address = "ipv4:127.0.0.1:1";
  grant.refresh_token.token_hash = kNewHash;
  grant.refresh_token.family_id = "family-1";
  grant.refresh_token.family_started_at = absl::FromUnixSeconds(1699990000);
  grant.refresh_token.session_jti = "jti-new";
  grant.refresh_token.user_id = 42;
  grant.refresh_token.expires_at = absl::FromUnixSeconds(kNow) + absl::Hours(24 * 30);
  grant.refresh_token.amr = {"pwd", "otp"};
  return grant;
}

absl::StatusOr<SessionGrant> MysqlRefreshTokenRepositoryTest::NoGrant(
    const repository::RefreshToken&) {
  ADD_FAILURE() << "the grant function was called";
  return absl::InternalError("unexpected");
}

}  // namespace auth::mysql_repository
