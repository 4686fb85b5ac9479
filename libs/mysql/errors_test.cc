// Tests for the Connector/C++ exception -> absl::Status mapping.
#include "libs/mysql/errors.h"

#include <cppconn/exception.h>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql {
namespace {

using ::auth::test_util::StatusIs;
using ::testing::AllOf;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(DuplicateKeyNameTest, ReadsMariadbAndMysqlMessages) {
  EXPECT_EQ(DuplicateKeyName("Duplicate entry 'a@x.org' for key 'uq_users_email'"),
            "uq_users_email");
  EXPECT_EQ(DuplicateKeyName("Duplicate entry 'a@x.org' for key 'users.uq_users_email'"),
            "uq_users_email");
  EXPECT_EQ(DuplicateKeyName("Duplicate entry 'j1' for key 'PRIMARY'"), "PRIMARY");
}

TEST(DuplicateKeyNameTest, ValueThatLooksLikeAKeyDoesNotFoolIt) {
  EXPECT_EQ(
      DuplicateKeyName("Duplicate entry 'x for key 'uq_users_email'' for key 'uq_users_username'"),
      "uq_users_username");
}

TEST(DuplicateKeyNameTest, NoKeyGivesEmpty) {
  EXPECT_EQ(DuplicateKeyName("Duplicate entry"), "");
  EXPECT_EQ(DuplicateKeyName("for key 'unterminated"), "");
}

TEST(FieldForKeyTest, MapsUniqueIndexes) {
  EXPECT_EQ(FieldForKey("uq_users_username", ""), "username");
  EXPECT_EQ(FieldForKey("uq_users_email", ""), "email");
  EXPECT_EQ(FieldForKey("uq_users_phone", ""), "phone_number");
  EXPECT_EQ(FieldForKey("PRIMARY", "jti"), "jti");
  EXPECT_EQ(FieldForKey("idx_something_else", "jti"), "");
}

TEST(SqlErrorToStatusTest, DuplicateKeyNamesTheField) {
  const sql::SQLException e("Duplicate entry '+15551234' for key 'uq_users_phone'", "23000", 1062);
  EXPECT_THAT(SqlErrorToStatus(e, "create user"),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("phone_number already taken")));
}

TEST(SqlErrorToStatusTest, UnknownDuplicateKeyIsStillAlreadyExists) {
  const sql::SQLException e("Duplicate entry 'x' for key 'mystery'", "23000", 1062);
  EXPECT_THAT(SqlErrorToStatus(e, "create user"),
              StatusIs(absl::StatusCode::kAlreadyExists, Not(HasSubstr("'x'"))));
}

TEST(SqlErrorToStatusTest, ConnectionErrorsAreUnavailable) {
  for (int code : {2002, 2003, 2006, 2013, 2055, 1040, 1053, 1927}) {
    const sql::SQLException e("Lost connection to server at 'secret-host'", "HY000", code);
    EXPECT_TRUE(IsConnectionError(code)) << code;
    EXPECT_THAT(SqlErrorToStatus(e, "find user"),
                StatusIs(absl::StatusCode::kUnavailable, Not(HasSubstr("secret-host"))))
        << code;
  }
}

TEST(SqlErrorToStatusTest, UnavailableNodesAndConflictsAreUnavailable) {
  const sql::SQLException not_ready("WSREP has not yet prepared node for application use", "08S01",
                                    1047);
  EXPECT_TRUE(IsNodeUnavailable(1047));
  EXPECT_FALSE(IsConnectionError(1047));
  EXPECT_THAT(SqlErrorToStatus(not_ready, "find user"),
              StatusIs(absl::StatusCode::kUnavailable, Not(HasSubstr("WSREP"))));
  const sql::SQLException deadlock("Deadlock found when trying to get lock", "40001", 1213);
  EXPECT_TRUE(IsTransactionConflict(1213, "40001"));
  EXPECT_TRUE(IsTransactionConflict(9999, "40001"));
  EXPECT_FALSE(IsTransactionConflict(1205, "HY000"));
  EXPECT_THAT(SqlErrorToStatus(deadlock, "admit attempt"),
              StatusIs(absl::StatusCode::kUnavailable, Not(HasSubstr("Deadlock"))));
}

TEST(SqlErrorToStatusTest, StaleStatementsAreUnavailable) {
  for (int code : {1243, 1615}) {
    const sql::SQLException e("Unknown prepared statement handler (7) given to mysqld_stmt_execute",
                              "HY000", code);
    EXPECT_TRUE(IsStaleStatement(code)) << code;
    EXPECT_FALSE(IsConnectionError(code)) << code;
    EXPECT_THAT(SqlErrorToStatus(e, "find session"),
                StatusIs(absl::StatusCode::kUnavailable, Not(HasSubstr("handler"))))
        << code;
  }
  EXPECT_FALSE(IsStaleStatement(1062));
}

TEST(SqlErrorToStatusTest, OtherErrorsAreInternalAndHideTheServerText) {
  for (int code : {0, 1064, 1146, 1205, 1406, 1452}) {
    const sql::SQLException e("You have an error in your SQL syntax near 'users'", "42000", code);
    EXPECT_FALSE(IsConnectionError(code)) << code;
    EXPECT_THAT(SqlErrorToStatus(e, "find user"),
                StatusIs(absl::StatusCode::kInternal,
                         AllOf(Not(HasSubstr("syntax")), Not(HasSubstr("users")))))
        << code;
  }
}

}  // namespace
}  // namespace auth::mysql
