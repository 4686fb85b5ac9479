// RunOnConnection, RunQuery and RunInTransaction against mock connections: which failures run
// a call again (conflicts, unavailable nodes, lost connections before COMMIT, lost connections
// of reads), which do not (lost COMMITs, lost writes, other errors), the bound on attempts,
// and that a retry after an unavailable node goes to another endpoint.
#include "libs/mysql/transaction_runner.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>

#include <memory>
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
#include "libs/mysql/connector_mock.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql {
namespace {

using ::auth::mysql::MockConnection;
using ::auth::mysql::MockConnectionFactory;
using ::auth::mysql::MockPreparedStatement;
using ::auth::mysql::PrepareSucceeds;
using ::auth::mysql::SqlEq;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::Matcher;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::Throw;

const sql::SQLException kDeadlock("Deadlock found when trying to get lock", "40001", 1213);
const sql::SQLException kNotReady("WSREP has not yet prepared node for application use", "08S01",
                                  1047);
const sql::SQLException kLost("Lost connection to MySQL server during query", "HY000", 2013);
const sql::SQLException kSyntax("You have an error in your SQL syntax", "42000", 1064);
const sql::SQLException kDuplicate("Duplicate entry 'x' for key 'PRIMARY'", "23000", 1062);
const sql::SQLException kUnknownStatement(
    "Unknown prepared statement handler (3) given to mysqld_stmt_execute", "HY000", 1243);
constexpr char kSelect[] = "SELECT v FROM t WHERE k = ?";

// A COMMIT statement, prepared on `connection` next, whose first execution throws `error` and
// whose later ones (it is cached) succeed.
MockPreparedStatement* ExpectCommitThrows(MockConnection& connection,
                                          const sql::SQLException& error) {
  auto* commit = new NiceMock<MockPreparedStatement>;
  EXPECT_CALL(*commit, execute()).WillOnce(Throw(error)).WillRepeatedly(Return(false));
  EXPECT_CALL(connection, prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
      .WillOnce(Return(commit))
      .RetiresOnSaturation();
  return commit;
}

class RetryTest : public ::testing::Test {
 protected:
  RetryTest() {
    ConnectionPoolOptions options;
    options.size = 4;
    options.validate_after_idle = absl::Hours(1);
    options.max_attempts = 3;
    options.retry_backoff = absl::Microseconds(100);
    options.endpoint_retry_after = absl::Hours(1);
    std::vector<std::unique_ptr<ConnectionFactory>> factories;
    for (int i = 0; i < 2; ++i) {
      // COMMIT (and any other statement) succeeds unless a test says otherwise.
      auto factory = std::make_unique<MockConnectionFactory>(PrepareSucceeds());
      factories_.push_back(factory.get());
      factories.push_back(std::move(factory));
    }
    pool_ = std::make_unique<ConnectionPool>(options, std::move(factories));
  }

  std::vector<MockConnectionFactory*> factories_;  // one per endpoint, owned by pool_
  std::unique_ptr<ConnectionPool> pool_;
};

TEST_F(RetryTest, AConflictAtCommitRunsTheTransactionAgain) {
  int runs = 0;
  MockPreparedStatement* commit = nullptr;
  absl::StatusOr<int> result =
      RunInTransaction(*pool_, "test", "", [&](Connection& c) -> absl::StatusOr<int> {
        ++runs;
        auto& mock = static_cast<MockConnection&>(c.raw());
        if (commit == nullptr) {
          // The retry commits with the same, cached, COMMIT statement (this expectation is
          // older, so it only catches prepares after the one below).
          EXPECT_CALL(mock, prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
              .Times(0);
          // Galera's certification failure: the first COMMIT is refused and rolled back.
          commit = ExpectCommitThrows(mock, kDeadlock);
          EXPECT_CALL(mock, rollback());
        }
        return runs;
      });
  EXPECT_THAT(result, IsOk());
  EXPECT_EQ(*result, 2);
  // A conflict does not break the connection: the retry reused it.
  EXPECT_EQ(factories_[0]->made(), 1);
  EXPECT_EQ(factories_[1]->made(), 0);
}

TEST_F(RetryTest, ConflictsAreRetriedAtMostMaxAttemptsTimes) {
  int runs = 0;
  absl::Status status = RunInTransaction(*pool_, "test", "", [&](Connection&) {
    ++runs;
    throw kDeadlock;
    return absl::OkStatus();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(runs, 3);
}

TEST_F(RetryTest, ANodeThatCannotServeSendsTheRetryToTheNextEndpoint) {
  std::vector<sql::Connection*> used;
  absl::Status status = RunInTransaction(*pool_, "test", "", [&](Connection& c) {
    used.push_back(&c.raw());
    if (used.size() == 1) throw kNotReady;
    return absl::OkStatus();
  });
  EXPECT_THAT(status, IsOk());
  ASSERT_EQ(factories_[0]->made(), 1);
  ASSERT_EQ(factories_[1]->made(), 1);
  EXPECT_EQ(used, (std::vector<sql::Connection*>{factories_[0]->connection(0),
                                                 factories_[1]->connection(0)}));
  // Later calls go to endpoint 1 too, while endpoint 0 is passed over.
  ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool_->Acquire());
  EXPECT_EQ(lease.endpoint_index(), 1);
}

TEST_F(RetryTest, AConnectionLostBeforeCommitIsRetriedElsewhere) {
  int runs = 0;
  absl::Status status = RunInTransaction(*pool_, "test", "", [&](Connection&) {
    if (++runs == 1) throw kLost;
    return absl::OkStatus();
  });
  EXPECT_THAT(status, IsOk());
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(factories_[1]->made(), 1);
}

TEST_F(RetryTest, AConnectionLostDuringCommitIsNotRetried) {
  int runs = 0;
  absl::Status status = RunInTransaction(*pool_, "test", "", [&](Connection& c) {
    ++runs;
    ExpectCommitThrows(static_cast<MockConnection&>(c.raw()), kLost);
    return absl::OkStatus();
  });
  // The commit may have happened: the caller is told the outcome is unknown.
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(pool_->OpenCountForTest(), 0);
}

TEST_F(RetryTest, OtherErrorsAreNotRetried) {
  int runs = 0;
  absl::Status status = RunInTransaction(*pool_, "test", "", [&](Connection&) {
    ++runs;
    throw kSyntax;
    return absl::OkStatus();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(runs, 1);
  status = RunOnConnection(*pool_, "test", "", [&](Connection&) {
    ++runs;
    throw kSyntax;
    return absl::OkStatus();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(runs, 2);
}

TEST_F(RetryTest, AutocommitWritesRetryConflictsAndRefusalsButNotLostConnections) {
  int runs = 0;
  EXPECT_THAT(RunOnConnection(*pool_, "test", "",
                              [&](Connection&) {
                                if (++runs == 1) throw kDeadlock;
                                return absl::OkStatus();
                              }),
              IsOk());
  EXPECT_EQ(runs, 2);
  runs = 0;
  EXPECT_THAT(RunOnConnection(*pool_, "test", "",
                              [&](Connection&) {
                                if (++runs == 1) throw kNotReady;
                                return absl::OkStatus();
                              }),
              IsOk());
  EXPECT_EQ(runs, 2);
  runs = 0;
  // A write whose connection was lost may have committed: not run again.
  EXPECT_THAT(RunOnConnection(*pool_, "test", "",
                              [&](Connection&) {
                                ++runs;
                                throw kLost;
                                return absl::OkStatus();
                              }),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(runs, 1);
}

TEST_F(RetryTest, ReadsAreRetriedAfterALostConnection) {
  int runs = 0;
  absl::StatusOr<int> result = RunQuery(*pool_, "test", [&](Connection&) -> absl::StatusOr<int> {
    if (++runs == 1) throw kLost;
    return 7;
  });
  EXPECT_THAT(result, IsOk());
  EXPECT_EQ(runs, 2);
  // The lost connection was discarded and its endpoint passed over.
  EXPECT_EQ(factories_[1]->made(), 1);
}

// The statement cache as the callbacks see it (connection.h): one prepare per SQL text and
// connection, kept across server errors, never carried over to a replacement connection.

// Runs kSelect on the leased connection and returns the statement used.
sql::PreparedStatement* RunSelect(Connection& c) {
  sql::PreparedStatement& select = c.Prepare(kSelect);
  select.setString(1, "k");
  select.executeUpdate();
  return &select;
}

TEST_F(RetryTest, TheSameSqlOnTheSameConnectionIsPreparedOnce) {
  { ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool_->Acquire()); }
  MockConnection* mock = factories_[0]->connection(0);
  auto* select = new NiceMock<MockPreparedStatement>;
  EXPECT_CALL(*mock, prepareStatement(Matcher<const sql::SQLString&>(SqlEq(kSelect))))
      .WillOnce(Return(select));
  EXPECT_CALL(*select, executeUpdate()).Times(3).WillRepeatedly(Return(1));
  EXPECT_CALL(*select, clearParameters()).Times(2);  // before each reuse
  std::vector<sql::PreparedStatement*> used;
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(RunOnConnection(*pool_, "test", "",
                                [&](Connection& c) {
                                  used.push_back(RunSelect(c));
                                  return absl::OkStatus();
                                }),
                IsOk());
  }
  EXPECT_THAT(used, ::testing::Each(select));
  EXPECT_EQ(factories_[0]->made(), 1);
}

TEST_F(RetryTest, AServerErrorLeavesTheCachedStatementUsable) {
  { ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool_->Acquire()); }
  MockConnection* mock = factories_[0]->connection(0);
  auto* insert = new NiceMock<MockPreparedStatement>;
  EXPECT_CALL(*mock, prepareStatement(Matcher<const sql::SQLString&>(SqlEq(kSelect))))
      .WillOnce(Return(insert));
  EXPECT_CALL(*insert, executeUpdate()).WillOnce(Throw(kDuplicate)).WillOnce(Return(1));
  auto run = [&](Connection& c) {
    RunSelect(c);
    return absl::OkStatus();
  };
  EXPECT_THAT(RunOnConnection(*pool_, "test", "", run), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(RunOnConnection(*pool_, "test", "", run), IsOk());
  EXPECT_EQ(factories_[0]->made(), 1);
}

TEST_F(RetryTest, ALostConnectionsStatementsAreNotReusedByItsReplacement) {
  // (Addresses are not compared: the allocator may reuse the discarded objects' memory.)
  int runs = 0;
  absl::StatusOr<int> result = RunQuery(*pool_, "test", [&](Connection& c) -> absl::StatusOr<int> {
    ++runs;
    // Each connection, the replacement included, asks its own server for the statement.
    EXPECT_CALL(static_cast<MockConnection&>(c.raw()),
                prepareStatement(Matcher<const sql::SQLString&>(SqlEq(kSelect))))
        .Times(1);
    RunSelect(c);
    EXPECT_EQ(c.prepared_statements(), 1);
    if (runs == 1) throw kLost;
    return 1;
  });
  EXPECT_THAT(result, IsOk());
  EXPECT_EQ(runs, 2);
  // The retry ran on a new connection (of the other endpoint), not the lost one.
  EXPECT_EQ(factories_[0]->made(), 1);
  EXPECT_EQ(factories_[1]->made(), 1);
  EXPECT_EQ(pool_->OpenCountForTest(), 1);
}

TEST_F(RetryTest, AStaleStatementDiscardsTheConnectionAndRunsAgainOnAFreshOne) {
  std::vector<Connection*> used;
  absl::Status status = RunOnConnection(*pool_, "test", "", [&](Connection& c) {
    used.push_back(&c);
    if (used.size() == 1) {
      auto* stale = new NiceMock<MockPreparedStatement>;
      EXPECT_CALL(static_cast<MockConnection&>(c.raw()),
                  prepareStatement(Matcher<const sql::SQLString&>(SqlEq(kSelect))))
          .WillOnce(Return(stale));
      EXPECT_CALL(*stale, executeUpdate()).WillOnce(Throw(kUnknownStatement));
    }
    RunSelect(c);
    EXPECT_EQ(c.cached_statements(), 1);
    return absl::OkStatus();
  });
  EXPECT_THAT(status, IsOk());
  ASSERT_EQ(used.size(), 2u);
  // Broken, not a failing node: the new connection goes to the same endpoint.
  EXPECT_EQ(factories_[0]->made(), 2);
  EXPECT_EQ(factories_[1]->made(), 0);
  EXPECT_EQ(pool_->OpenCountForTest(), 1);
}

}  // namespace
}  // namespace auth::mysql
