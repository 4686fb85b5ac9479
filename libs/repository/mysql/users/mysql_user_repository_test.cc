// MysqlUserRepository over mocked Connector/C++ objects: row mapping, bound parameters, and the
// mapping of every kind of SQL error.
#include "libs/repository/mysql/users/mysql_user_repository.h"

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
#include "libs/mysql/connection_factory_mock.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/connection_pool_mock.h"
#include "libs/mysql/connector_mock.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql::MockPool;
using ::auth::mysql::MockPreparedStatement;
using ::auth::mysql::MockResultSet;
using ::auth::mysql::PrepareSucceeds;
using ::auth::mysql::SqlEq;
using ::auth::mysql::SqlHas;
using ::auth::repository::NewUser;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Matcher;
using ::testing::Not;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::Throw;

class MysqlUserRepositoryTest : public ::testing::Test {
 protected:
  // Expects an INSERT INTO users, prepared once on the current connection and then reused
  // (cached), whose executions throw `errors` in turn.
  void ExpectInsertUserThrows(const std::vector<sql::SQLException>& errors) {
    MockPreparedStatement* insert = mock_.ExpectPrepare(SqlHas("INSERT INTO users"));
    const int runs = static_cast<int>(errors.size());
    EXPECT_CALL(*insert, setString(_, _)).Times(4 * runs);
    EXPECT_CALL(*insert, clearParameters()).Times(runs - 1);  // before each reuse
    ::testing::InSequence in_order;
    for (const sql::SQLException& error : errors) {
      EXPECT_CALL(*insert, executeQuery()).WillOnce(Throw(error)).RetiresOnSaturation();
    }
  }

  static NewUser Alice() {
    return NewUser{.username = "alice",
                   .email = "Alice@Example.ORG",
                   .phone_number = "+15550100",
                   .password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"};
  }

  // Transactions end with a COMMIT statement (internal::Commit in transaction_runner.h).
  MockPool mock_{MockPool::OneRunOptions(/*size=*/2),
                 PrepareSucceeds(Matcher<const sql::SQLString&>(SqlEq("COMMIT")))};
};

TEST_F(MysqlUserRepositoryTest, CreateBindsEveryValueAsAParameter) {
  MysqlUserRepository users(mock_.pool());
  NewUser user = Alice();
  user.phone_number.reset();
  // One statement that returns the new id: no transaction, no second round trip.
  EXPECT_CALL(mock_.connection(), setAutoCommit(_)).Times(0);
  MockPreparedStatement* insert =
      mock_.ExpectPrepare(AllOf(SqlHas("INSERT INTO users"), SqlHas("RETURNING id"),
                                Not(SqlHas("alice")), Not(SqlHas("argon2"))));
  EXPECT_CALL(*insert, setString(1, SqlEq("alice")));
  EXPECT_CALL(*insert, setString(2, SqlEq("alice@example.org")));  // lowercased
  EXPECT_CALL(*insert, setNull(3, sql::DataType::VARCHAR));
  EXPECT_CALL(*insert, setString(4, SqlEq(user.password_hash)));
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*insert, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(true));
  EXPECT_CALL(*rows, getUInt64(Matcher<uint32_t>(1))).WillOnce(Return(7));

  EXPECT_THAT(users.Create(user), IsOkAndHolds(7));
}

TEST_F(MysqlUserRepositoryTest, FindByIdMapsTheRow) {
  MysqlUserRepository users(mock_.pool());
  MockPreparedStatement* select = mock_.ExpectPrepare(SqlHas("FROM users WHERE id = ?"));
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*select, setUInt64(1, 42));
  EXPECT_CALL(*select, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(true));
  EXPECT_CALL(*rows, getUInt64(Matcher<uint32_t>(1))).WillOnce(Return(42));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(2))).WillOnce(Return(sql::SQLString("alice")));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(3))).WillOnce(Return(sql::SQLString("a@x.org")));
  EXPECT_CALL(*rows, isNull(Matcher<uint32_t>(4))).WillOnce(Return(false));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(4))).WillOnce(Return(sql::SQLString("+1555")));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(5))).WillOnce(Return(sql::SQLString("$phc")));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(6)))
      .WillOnce(Return(sql::SQLString("1700000000.250000")));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(7)))
      .WillOnce(Return(sql::SQLString("1700000001")));
  EXPECT_CALL(*rows, getBoolean(Matcher<uint32_t>(8))).WillOnce(Return(true));
  EXPECT_CALL(*rows, getBoolean(Matcher<uint32_t>(9))).WillOnce(Return(true));

  ASSERT_OK_AND_ASSIGN(const repository::User user, users.FindById(42));
  EXPECT_EQ(user.id, 42);
  EXPECT_EQ(user.username, "alice");
  EXPECT_EQ(user.email, "a@x.org");
  EXPECT_EQ(user.phone_number, "+1555");
  EXPECT_EQ(user.password_hash, "$phc");
  EXPECT_EQ(user.created_at, absl::FromUnixMillis(1700000000250));
  EXPECT_EQ(user.updated_at, absl::FromUnixSeconds(1700000001));
  EXPECT_TRUE(user.email_verified);
  EXPECT_TRUE(user.totp_enabled);
}

TEST_F(MysqlUserRepositoryTest, NoRowIsNotFound) {
  MysqlUserRepository users(mock_.pool());
  MockPreparedStatement* select =
      mock_.ExpectPrepare(AllOf(SqlHas("WHERE email = ?"), Not(SqlHas("bob@x.org"))));
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*select, setString(1, SqlEq("bob@x.org")));
  EXPECT_CALL(*select, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(false));
  EXPECT_THAT(users.FindByEmail("BOB@x.org"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlUserRepositoryTest, DuplicateKeyNamesTheFieldOfEachIndex) {
  MysqlUserRepository users(mock_.pool());
  const std::pair<const char*, const char*> cases[] = {
      {"uq_users_username", "username already taken"},
      {"uq_users_email", "email already taken"},
      {"uq_users_phone", "phone_number already taken"},
  };
  std::vector<sql::SQLException> errors;
  for (const auto& [index, message] : cases) {
    errors.emplace_back(std::string("Duplicate entry 'alice@example.org' for key '") + index + "'",
                        "23000", 1062);
  }
  // A duplicate breaks neither the connection nor its cached INSERT: prepared once, run thrice.
  ExpectInsertUserThrows(errors);
  for (const auto& [index, message] : cases) {
    EXPECT_THAT(users.Create(Alice()), StatusIs(absl::StatusCode::kAlreadyExists, Eq(message)));
  }
  EXPECT_EQ(mock_.factory().connects(), 1);
}

TEST_F(MysqlUserRepositoryTest, ConnectionErrorsAreUnavailableAndDropTheConnection) {
  MysqlUserRepository users(mock_.pool());
  int expected_connects = 1;
  for (int code : {2002, 2003, 2006, 2013, 2055, 1040, 1053, 1927}) {
    EXPECT_CALL(mock_.connection(), close());
    // Each new connection prepares the INSERT again: statements die with their connection.
    ExpectInsertUserThrows(
        {sql::SQLException("Lost connection to MySQL server during query", "HY000", code)});
    EXPECT_THAT(users.Create(Alice()),
                StatusIs(absl::StatusCode::kUnavailable, Not(HasSubstr("Lost connection"))))
        << code;
    EXPECT_EQ(mock_.pool().OpenCountForTest(), 0) << code;
    // The next call opens a new connection.
    { auto lease = mock_.pool().Acquire(); }
    EXPECT_EQ(mock_.factory().connects(), ++expected_connects);
  }
}

TEST_F(MysqlUserRepositoryTest, OtherErrorsAreInternalWithoutTheServerText) {
  MysqlUserRepository users(mock_.pool());
  // (1213, a conflict, is kUnavailable: see libs/mysql/errors_test.cc.)
  const int codes[] = {1064, 1146, 1205, 1406};
  std::vector<sql::SQLException> errors;
  for (int code : codes) {
    errors.emplace_back("Table 'auth.users' doesn't exist near 'INSERT INTO users'", "42S02", code);
  }
  ExpectInsertUserThrows(errors);
  for (int code : codes) {
    EXPECT_THAT(
        users.Create(Alice()),
        StatusIs(absl::StatusCode::kInternal, AllOf(Eq("database error"), Not(HasSubstr("users")))))
        << code;
  }
  EXPECT_EQ(mock_.factory().connects(), 1);
}

TEST_F(MysqlUserRepositoryTest, ErrorWhilePreparingIsMappedToo) {
  MysqlUserRepository users(mock_.pool());
  EXPECT_CALL(mock_.connection(), prepareStatement(Matcher<const sql::SQLString&>(_)))
      .WillOnce(Throw(sql::SQLException("MySQL server has gone away", "HY000", 2006)));
  EXPECT_THAT(users.FindById(1), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace auth::mysql_repository
