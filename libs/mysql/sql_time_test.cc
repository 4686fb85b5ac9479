// ToSqlTime, ParseUnixTimestamp and the column readers: UTC literals clamped to DATETIME's
// range, fractions of any precision, and malformed or NULL columns.
#include "libs/mysql/sql_time.h"

#include <cppconn/sqlstring.h>

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connector_mock.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql {
namespace {

using ::auth::mysql::MockResultSet;
using ::auth::test_util::StatusIs;
using ::testing::Matcher;
using ::testing::Return;
using ::testing::StrictMock;

TEST(ToSqlTimeTest, FormatsUtcWithMicrosecondsAndClampsToTheDatetimeRange) {
  EXPECT_EQ(ToSqlTime(absl::FromUnixSeconds(1700000000)), "2023-11-14 22:13:20.000000");
  EXPECT_EQ(ToSqlTime(absl::FromUnixMicros(1700000000123456)), "2023-11-14 22:13:20.123456");
  EXPECT_EQ(ToSqlTime(absl::InfiniteFuture()), "9999-12-31 23:59:59.000000");
  EXPECT_EQ(ToSqlTime(absl::InfinitePast()), "1000-01-01 00:00:00.000000");
}

TEST(ParseUnixTimestampTest, ReadsSecondsWithOrWithoutAFraction) {
  ASSERT_OK_AND_ASSIGN(absl::Time whole, ParseUnixTimestamp("1700000000"));
  EXPECT_EQ(whole, absl::FromUnixSeconds(1700000000));
  ASSERT_OK_AND_ASSIGN(absl::Time fraction, ParseUnixTimestamp("1700000000.25"));
  EXPECT_EQ(fraction, absl::FromUnixMillis(1700000000250));
  ASSERT_OK_AND_ASSIGN(absl::Time micros, ParseUnixTimestamp("1700000000.123456"));
  EXPECT_EQ(micros, absl::FromUnixMicros(1700000000123456));
}

TEST(ParseUnixTimestampTest, MalformedTextIsInternal) {
  for (const char* text : {"", "x", "17.x", "1.1234567890", "1.-5"}) {
    EXPECT_THAT(ParseUnixTimestamp(text), StatusIs(absl::StatusCode::kInternal)) << text;
  }
}

TEST(ReadUnixTimestampTest, ReadsAColumnAndANullableOne) {
  StrictMock<MockResultSet> row;
  EXPECT_CALL(row, getString(Matcher<uint32_t>(1)))
      .WillOnce(Return(sql::SQLString("1700000000.500000")));
  ASSERT_OK_AND_ASSIGN(absl::Time read, ReadUnixTimestamp(row, 1));
  EXPECT_EQ(read, absl::FromUnixMillis(1700000000500));

  EXPECT_CALL(row, isNull(Matcher<uint32_t>(2))).WillOnce(Return(true));
  ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> null, ReadOptionalUnixTimestamp(row, 2));
  EXPECT_EQ(null, std::nullopt);

  EXPECT_CALL(row, isNull(Matcher<uint32_t>(3))).WillOnce(Return(false));
  EXPECT_CALL(row, getString(Matcher<uint32_t>(3))).WillOnce(Return(sql::SQLString("bad")));
  EXPECT_THAT(ReadOptionalUnixTimestamp(row, 3), StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace auth::mysql
