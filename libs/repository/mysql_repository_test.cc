// MysqlUserRepository and MysqlSessionRepository over mocked Connector/C++ objects: row
// mapping, bound parameters, and the mapping of every kind of SQL error.
#include <cppconn/datatype.h>
#include <cppconn/exception.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/connection_pool.h"
#include "libs/repository/mysql_session_repository.h"
#include "libs/repository/mysql_user_repository.h"
#include "libs/repository/testing/mock_connector.h"
#include "libs/testing/status_matchers.h"

namespace auth::repository {
namespace {

using ::auth::repository::testing::MockConnection;
using ::auth::repository::testing::MockPreparedStatement;
using ::auth::repository::testing::MockResultSet;
using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Matcher;
using ::testing::NiceMock;
using ::testing::Not;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::Throw;

MATCHER_P(SqlEq, expected, "is the string \"" + std::string(expected) + "\"") {
  return static_cast<const std::string&>(arg) == expected;
}
MATCHER_P(SqlHas, text, "contains \"" + std::string(text) + "\"") {
  return static_cast<const std::string&>(arg).find(text) != std::string::npos;
}

// Gives the pool fresh mock connections and remembers them, newest last.
class MockFactory : public ConnectionFactory {
 public:
  absl::StatusOr<std::unique_ptr<sql::Connection>> Connect() override {
    absl::MutexLock lock(&mu_);
    auto connection = std::make_unique<NiceMock<MockConnection>>();
    // Transactions end with a COMMIT statement (see internal::Commit in mysql_support.h).
    ON_CALL(*connection, prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
        .WillByDefault([](const sql::SQLString&) -> sql::PreparedStatement* {
          return new NiceMock<MockPreparedStatement>;
        });
    EXPECT_CALL(*connection, prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
        .Times(::testing::AnyNumber());
    last_ = connection.get();
    ++connects_;
    return std::unique_ptr<sql::Connection>(std::move(connection));
  }
  absl::Mutex mu_;
  MockConnection* last_ = nullptr;
  int connects_ = 0;
};

class MysqlRepositoryMockTest : public ::testing::Test {
 protected:
  MysqlRepositoryMockTest() {
    ConnectionPoolOptions options;
    options.size = 2;
    // One run per call: these tests check the mapping of each outcome; retries have their own
    // tests (mysql_support_test.cc).
    options.max_attempts = 1;
    options.validate_after_idle = absl::Hours(1);
    auto factory = std::make_unique<MockFactory>();
    factory_ = factory.get();
    pool_ = std::make_unique<ConnectionPool>(options, std::move(factory));
    // Open the connection now, so expectations can be set on it before the call.
    { auto lease = pool_->Acquire(); }
  }

  MockConnection& connection() { return *factory_->last_; }

  // Expects one prepareStatement() whose SQL matches `sql` and returns a strict mock.
  MockPreparedStatement* ExpectPrepare(Matcher<const sql::SQLString&> sql) {
    auto* statement = new StrictMock<MockPreparedStatement>;
    EXPECT_CALL(connection(), prepareStatement(sql)).WillOnce(Return(statement));
    return statement;
  }

  // Expects an INSERT INTO users, prepared once on the current connection and then reused
  // (cached), whose executions throw `errors` in turn.
  void ExpectInsertUserThrows(const std::vector<sql::SQLException>& errors) {
    MockPreparedStatement* insert = ExpectPrepare(SqlHas("INSERT INTO users"));
    const int runs = static_cast<int>(errors.size());
    EXPECT_CALL(*insert, setString(_, _)).Times(4 * runs);
    EXPECT_CALL(*insert, clearParameters()).Times(runs - 1);  // before each reuse
    ::testing::InSequence in_order;
    for (const sql::SQLException& error : errors) {
      EXPECT_CALL(*insert, executeUpdate()).WillOnce(Throw(error)).RetiresOnSaturation();
    }
  }

  static NewUser Alice() {
    return NewUser{.username = "alice",
                   .email = "Alice@Example.ORG",
                   .phone_number = "+15550100",
                   .password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"};
  }

  MockFactory* factory_ = nullptr;
  std::unique_ptr<ConnectionPool> pool_;
};

TEST_F(MysqlRepositoryMockTest, CreateBindsEveryValueAsAParameter) {
  MysqlUserRepository users(*pool_);
  NewUser user = Alice();
  user.phone_number.reset();
  MockPreparedStatement* insert = ExpectPrepare(
      AllOf(SqlHas("INSERT INTO users"), Not(SqlHas("alice")), Not(SqlHas("argon2"))));
  EXPECT_CALL(*insert, setString(1, SqlEq("alice")));
  EXPECT_CALL(*insert, setString(2, SqlEq("alice@example.org")));  // lowercased
  EXPECT_CALL(*insert, setNull(3, sql::DataType::VARCHAR));
  EXPECT_CALL(*insert, setString(4, SqlEq(user.password_hash)));
  EXPECT_CALL(*insert, executeUpdate()).WillOnce(Return(1));
  MockPreparedStatement* last_id = ExpectPrepare(SqlHas("LAST_INSERT_ID()"));
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*last_id, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(true));
  EXPECT_CALL(*rows, getUInt64(Matcher<uint32_t>(1))).WillOnce(Return(7));

  EXPECT_THAT(users.Create(user), StatusIs(absl::StatusCode::kOk));
}

TEST_F(MysqlRepositoryMockTest, FindByIdMapsTheRow) {
  MysqlUserRepository users(*pool_);
  MockPreparedStatement* select = ExpectPrepare(SqlHas("FROM users WHERE id = ?"));
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

  ASSERT_OK_AND_ASSIGN(const User user, users.FindById(42));
  EXPECT_EQ(user.id, 42);
  EXPECT_EQ(user.username, "alice");
  EXPECT_EQ(user.email, "a@x.org");
  EXPECT_EQ(user.phone_number, "+1555");
  EXPECT_EQ(user.password_hash, "$phc");
  EXPECT_EQ(user.created_at, absl::FromUnixMillis(1700000000250));
  EXPECT_EQ(user.updated_at, absl::FromUnixSeconds(1700000001));
}

TEST_F(MysqlRepositoryMockTest, NoRowIsNotFound) {
  MysqlUserRepository users(*pool_);
  MockPreparedStatement* select =
      ExpectPrepare(AllOf(SqlHas("WHERE email = ?"), Not(SqlHas("bob@x.org"))));
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*select, setString(1, SqlEq("bob@x.org")));
  EXPECT_CALL(*select, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(false));
  EXPECT_THAT(users.FindByEmail("BOB@x.org"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlRepositoryMockTest, DuplicateKeyNamesTheFieldOfEachIndex) {
  MysqlUserRepository users(*pool_);
  const std::pair<const char*, const char*> cases[] = {
      {"uq_users_username", "username already taken"},
      {"uq_users_email", "email already taken"},
      {"uq_users_phone", "phone_number already taken"},
  };
  std::vector<sql::SQLException> errors;
  for (const auto& [index, message] : cases) {
    errors.emplace_back(
        std::string("Duplicate entry 'alice@example.org' for key '") + index + "'", "23000", 1062);
  }
  // A duplicate breaks neither the connection nor its cached INSERT: prepared once, run thrice.
  ExpectInsertUserThrows(errors);
  for (const auto& [index, message] : cases) {
    EXPECT_THAT(users.Create(Alice()), StatusIs(absl::StatusCode::kAlreadyExists, Eq(message)));
  }
  EXPECT_EQ(factory_->connects_, 1);
}

TEST_F(MysqlRepositoryMockTest, ConnectionErrorsAreUnavailableAndDropTheConnection) {
  MysqlUserRepository users(*pool_);
  int expected_connects = 1;
  for (int code : {2002, 2003, 2006, 2013, 2055, 1040, 1053, 1927}) {
    EXPECT_CALL(connection(), close());
    // Each new connection prepares the INSERT again: statements die with their connection.
    ExpectInsertUserThrows(
        {sql::SQLException("Lost connection to MySQL server during query", "HY000", code)});
    EXPECT_THAT(users.Create(Alice()),
                StatusIs(absl::StatusCode::kUnavailable, Not(HasSubstr("Lost connection"))))
        << code;
    EXPECT_EQ(pool_->OpenCountForTest(), 0) << code;
    // The next call opens a new connection.
    { auto lease = pool_->Acquire(); }
    EXPECT_EQ(factory_->connects_, ++expected_connects);
  }
}

TEST_F(MysqlRepositoryMockTest, OtherErrorsAreInternalWithoutTheServerText) {
  MysqlUserRepository users(*pool_);
  // (1213, a conflict, is kUnavailable: see mysql_errors_test.cc.)
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
  EXPECT_EQ(factory_->connects_, 1);
}

TEST_F(MysqlRepositoryMockTest, ErrorWhilePreparingIsMappedToo) {
  MysqlUserRepository users(*pool_);
  EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(_)))
      .WillOnce(Throw(sql::SQLException("MySQL server has gone away", "HY000", 2006)));
  EXPECT_THAT(users.FindById(1), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(MysqlRepositoryMockTest, DuplicateJtiIsAlreadyExists) {
  MysqlSessionRepository sessions(*pool_);
  MockPreparedStatement* insert = ExpectPrepare(SqlHas("INSERT INTO sessions"));
  EXPECT_CALL(*insert, setString(_, _)).Times(3);
  EXPECT_CALL(*insert, setInt64(2, 5));
  EXPECT_CALL(*insert, setDateTime(3, SqlEq("2023-11-14 22:13:20.000000")));
  EXPECT_CALL(*insert, executeUpdate())
      .WillOnce(Throw(sql::SQLException("Duplicate entry 'j1' for key 'PRIMARY'", "23000", 1062)));
  Session session;
  session.jti = "j1";
  session.user_id = 5;
  session.expires_at = absl::FromUnixSeconds(1700000000);
  session.token_hash = std::string(64, 'f');
  EXPECT_THAT(sessions.Create(session),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("jti already taken")));
}

TEST_F(MysqlRepositoryMockTest, RevokeOfNothingIsNotFound) {
  MysqlSessionRepository sessions(*pool_, [] { return absl::FromUnixSeconds(1700000000); });
  MockPreparedStatement* update = ExpectPrepare(SqlHas("UPDATE sessions SET revoked_at"));
  EXPECT_CALL(*update, setDateTime(1, SqlEq("2023-11-14 22:13:20.000000")));
  EXPECT_CALL(*update, setString(2, SqlEq("j1")));
  EXPECT_CALL(*update, setDateTime(3, SqlEq("2023-11-14 22:13:20.000000")));
  EXPECT_CALL(*update, executeUpdate()).WillOnce(Return(0));
  EXPECT_THAT(sessions.Revoke("j1"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace auth::repository
