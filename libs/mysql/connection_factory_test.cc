// PrepareSession against mock connections: UTC always; on a Galera node, refused unless the node
// is ready, and wsrep_sync_wait set; nothing Galera-specific on other servers.
#include "libs/mysql/connection_factory.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connector_mock.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql {
namespace {

using ::auth::mysql::MockConnection;
using ::auth::mysql::MockPreparedStatement;
using ::auth::mysql::MockResultSet;
using ::auth::mysql::SqlEq;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::Matcher;
using ::testing::Return;
using ::testing::StrictMock;

class PrepareSessionTest : public ::testing::Test {
 protected:
  void ExpectExecute(const std::string& sql) {
    auto* statement = new StrictMock<MockPreparedStatement>;
    EXPECT_CALL(connection_, prepareStatement(Matcher<const sql::SQLString&>(SqlEq(sql))))
        .WillOnce(Return(statement));
    EXPECT_CALL(*statement, execute()).WillOnce(Return(false));
  }

  // Expects `sql` (a SHOW ... LIKE) answering one (name, value) row, or none if `value` is "".
  void ExpectShow(const std::string& sql, const std::string& value) {
    auto* statement = new StrictMock<MockPreparedStatement>;
    auto* rows = new StrictMock<MockResultSet>;
    EXPECT_CALL(connection_, prepareStatement(Matcher<const sql::SQLString&>(SqlEq(sql))))
        .WillOnce(Return(statement));
    EXPECT_CALL(*statement, executeQuery()).WillOnce(Return(rows));
    EXPECT_CALL(*rows, next()).WillOnce(Return(!value.empty()));
    if (!value.empty()) {
      EXPECT_CALL(*rows, getString(Matcher<uint32_t>(2))).WillOnce(Return(sql::SQLString(value)));
    }
  }

  StrictMock<MockConnection> connection_;
};

TEST_F(PrepareSessionTest, APlainServerOnlyGetsUtc) {
  ExpectExecute("SET time_zone = '+00:00'");
  ExpectShow("SHOW VARIABLES LIKE 'wsrep_on'", "OFF");
  EXPECT_THAT(PrepareSession(connection_, 1), IsOk());
}

TEST_F(PrepareSessionTest, AServerWithoutTheVariableIsNotGalera) {
  ExpectExecute("SET time_zone = '+00:00'");
  ExpectShow("SHOW VARIABLES LIKE 'wsrep_on'", "");
  EXPECT_THAT(PrepareSession(connection_, 1), IsOk());
}

TEST_F(PrepareSessionTest, AReadyGaleraNodeGetsSyncWait) {
  ExpectExecute("SET time_zone = '+00:00'");
  ExpectShow("SHOW VARIABLES LIKE 'wsrep_on'", "ON");
  ExpectShow("SHOW GLOBAL STATUS LIKE 'wsrep_ready'", "ON");
  ExpectExecute("SET SESSION wsrep_sync_wait = 7");
  EXPECT_THAT(PrepareSession(connection_, 7), IsOk());
}

TEST_F(PrepareSessionTest, SyncWaitZeroLeavesTheSessionAlone) {
  ExpectExecute("SET time_zone = '+00:00'");
  ExpectShow("SHOW VARIABLES LIKE 'wsrep_on'", "ON");
  ExpectShow("SHOW GLOBAL STATUS LIKE 'wsrep_ready'", "ON");
  EXPECT_THAT(PrepareSession(connection_, 0), IsOk());
}

TEST_F(PrepareSessionTest, AGaleraNodeThatIsNotReadyIsUnavailable) {
  ExpectExecute("SET time_zone = '+00:00'");
  ExpectShow("SHOW VARIABLES LIKE 'wsrep_on'", "ON");
  ExpectShow("SHOW GLOBAL STATUS LIKE 'wsrep_ready'", "OFF");
  EXPECT_THAT(PrepareSession(connection_, 1), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace auth::mysql
