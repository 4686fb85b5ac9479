// MysqlSessionRepository over mocked Connector/C++ objects: bound parameters and the mapping
// of duplicates and of revocations that find nothing.
#include "libs/repository/mysql/sessions/mysql_session_repository.h"

#include <cppconn/datatype.h>
#include <cppconn/exception.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/connection_pool_mock.h"
#include "libs/mysql/connector_mock.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql::MockPool;
using ::auth::mysql::MockPreparedStatement;
using ::auth::mysql::SqlEq;
using ::auth::mysql::SqlHas;
using ::auth::test_util::StatusIs;
using ::testing::_;
using ::testing::Eq;
using ::testing::Return;
using ::testing::Throw;

class MysqlSessionRepositoryTest : public ::testing::Test {
 protected:
  MockPool mock_;
};

TEST_F(MysqlSessionRepositoryTest, DuplicateJtiIsAlreadyExists) {
  MysqlSessionRepository sessions(mock_.pool());
  MockPreparedStatement* insert = mock_.ExpectPrepare(SqlHas("INSERT INTO sessions"));
  EXPECT_CALL(*insert, setString(_, _)).Times(3);
  EXPECT_CALL(*insert, setInt64(2, 5));
  EXPECT_CALL(*insert, setDateTime(3, SqlEq("2023-11-14 22:13:20.000000")));
  EXPECT_CALL(*insert, executeUpdate())
      .WillOnce(Throw(sql::SQLException("Duplicate entry 'j1' for key 'PRIMARY'", "23000", 1062)));
  repository::Session session;
  session.jti = "j1";
  session.user_id = 5;
  session.expires_at = absl::FromUnixSeconds(1700000000);
  session.token_hash = std::string(64, 'f');
  EXPECT_THAT(sessions.Create(session),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("jti already taken")));
}

TEST_F(MysqlSessionRepositoryTest, RevokeOfNothingIsNotFound) {
  MysqlSessionRepository sessions(mock_.pool(), [] { return absl::FromUnixSeconds(1700000000); });
  MockPreparedStatement* update = mock_.ExpectPrepare(SqlHas("UPDATE sessions SET revoked_at"));
  EXPECT_CALL(*update, setDateTime(1, SqlEq("2023-11-14 22:13:20.000000")));
  EXPECT_CALL(*update, setString(2, SqlEq("j1")));
  EXPECT_CALL(*update, setDateTime(3, SqlEq("2023-11-14 22:13:20.000000")));
  EXPECT_CALL(*update, executeUpdate()).WillOnce(Return(0));
  EXPECT_THAT(sessions.Revoke("j1"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace auth::mysql_repository
