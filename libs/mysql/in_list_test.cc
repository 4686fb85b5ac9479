// InListSize, InListPlaceholders and BindInList: the padding to powers of four, and the
// binding of the values followed by the repeated last one.
#include "libs/mysql/in_list.h"

#include <cppconn/sqlstring.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connector_mock.h"

namespace auth::mysql {
namespace {

using ::auth::mysql::MockPreparedStatement;

TEST(InListTest, PadsToPowersOfFourUpToTheMaximum) {
  EXPECT_EQ(InListSize(1), 1u);
  EXPECT_EQ(InListSize(2), 4u);
  EXPECT_EQ(InListSize(4), 4u);
  EXPECT_EQ(InListSize(5), 16u);
  EXPECT_EQ(InListSize(17), 64u);
  EXPECT_EQ(InListSize(kMaxInListSize), kMaxInListSize);
  EXPECT_EQ(InListSize(kMaxInListSize + 1), kMaxInListSize);  // callers split longer lists
  EXPECT_EQ(InListPlaceholders(1), "?");
  EXPECT_EQ(InListPlaceholders(3), "?, ?, ?");
}

TEST(InListTest, BindsTheValuesThenRepeatsTheLastAsPadding) {
  MockPreparedStatement statement;
  {
    ::testing::InSequence order;
    EXPECT_CALL(statement, setInt64(2, 7));
    EXPECT_CALL(statement, setInt64(3, 8));
    EXPECT_CALL(statement, setInt64(4, 8));
    EXPECT_CALL(statement, setInt64(5, 8));
  }
  const std::vector<int64_t> users = {7, 8};
  EXPECT_EQ(BindInList(statement, 2, users), 6);  // two values padded to four parameters

  EXPECT_CALL(statement, setString(1, sql::SQLString("only")));
  const std::vector<std::string> jtis = {"only"};
  EXPECT_EQ(BindInList(statement, 1, jtis), 2);
}

}  // namespace
}  // namespace auth::mysql
