// Connection's statement cache over mocked Connector/C++ objects: one prepare per SQL text,
// parameters cleared on reuse, failures not cached, the bound, and statements destroyed
// before their connection; and in a ConnectionPool, statements that follow their connection
// from lease to lease and die with it.
#include "libs/mysql/connection.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

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
using ::auth::mysql::SqlEq;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Matcher;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::Throw;

// Records its own destruction in a shared log.
class TracedStatement : public NiceMock<MockPreparedStatement> {
 public:
  TracedStatement(std::vector<std::string>* log, std::string name)
      : log_(log), name_(std::move(name)) {}
  ~TracedStatement() override { log_->push_back("~" + name_); }

 private:
  std::vector<std::string>* log_;
  std::string name_;
};

class TracedConnection : public NiceMock<MockConnection> {
 public:
  explicit TracedConnection(std::vector<std::string>* log) : log_(log) {}
  ~TracedConnection() override { log_->push_back("~connection"); }

 private:
  std::vector<std::string>* log_;
};

class ConnectionTest : public ::testing::Test {
 protected:
  // A Connection over a mock whose every prepareStatement() returns a new TracedStatement
  // named after its SQL.
  std::unique_ptr<Connection> NewConnection(int max_cached_statements = 64) {
    auto mock = std::make_unique<TracedConnection>(&log_);
    mock_ = mock.get();
    ON_CALL(*mock_, prepareStatement(Matcher<const sql::SQLString&>(_)))
        .WillByDefault([this](const sql::SQLString& sql) -> sql::PreparedStatement* {
          return new TracedStatement(&log_, sql);
        });
    return std::make_unique<Connection>(std::move(mock), max_cached_statements);
  }

  std::vector<std::string> log_;
  TracedConnection* mock_ = nullptr;
};

TEST_F(ConnectionTest, TheSameSqlIsPreparedOnceAndReusedWithParametersCleared) {
  std::unique_ptr<Connection> connection = NewConnection();
  EXPECT_CALL(*mock_, prepareStatement(Matcher<const sql::SQLString&>(SqlEq("SELECT ?")))).Times(1);
  EXPECT_CALL(*mock_, prepareStatement(Matcher<const sql::SQLString&>(SqlEq("SELECT 2")))).Times(1);

  sql::PreparedStatement& first = connection->Prepare("SELECT ?");
  auto& mock_first = static_cast<MockPreparedStatement&>(first);
  // Fresh from the server: nothing to clear. Reused: cleared each time.
  EXPECT_CALL(mock_first, clearParameters()).Times(2);
  sql::PreparedStatement& again = connection->Prepare("SELECT ?");
  sql::PreparedStatement& other = connection->Prepare("SELECT 2");
  sql::PreparedStatement& third = connection->Prepare(std::string("SELECT ?"));

  EXPECT_EQ(&again, &first);
  EXPECT_EQ(&third, &first);
  EXPECT_NE(&other, &first);
  EXPECT_EQ(connection->cached_statements(), 2);
  EXPECT_EQ(connection->prepared_statements(), 2);
}

TEST_F(ConnectionTest, AStatementTheServerRefusedIsNotCached) {
  std::unique_ptr<Connection> connection = NewConnection();
  EXPECT_CALL(*mock_, prepareStatement(Matcher<const sql::SQLString&>(SqlEq("SELEKT 1"))))
      .WillOnce(Throw(sql::SQLException("You have an error in your SQL syntax", "42000", 1064)))
      .WillOnce([this](const sql::SQLString& sql) -> sql::PreparedStatement* {
        return new TracedStatement(&log_, sql);
      });
  EXPECT_THROW(connection->Prepare("SELEKT 1"), sql::SQLException);
  EXPECT_EQ(connection->cached_statements(), 0);
  connection->Prepare("SELEKT 1");  // asks the server again
  EXPECT_EQ(connection->cached_statements(), 1);
}

TEST_F(ConnectionTest, AFullCacheKeepsNewStatementsUntilTheLeaseEndsThenStartsAfresh) {
  std::unique_ptr<Connection> connection = NewConnection(/*max_cached_statements=*/2);
  sql::PreparedStatement& a = connection->Prepare("A");
  connection->Prepare("B");
  sql::PreparedStatement& c = connection->Prepare("C");  // over the bound
  EXPECT_EQ(connection->cached_statements(), 2);
  // Still valid within the lease, and a second "C" is another uncached statement.
  sql::PreparedStatement& c_again = connection->Prepare("C");
  EXPECT_NE(&c_again, &c);
  EXPECT_EQ(&connection->Prepare("A"), &a);
  EXPECT_THAT(log_, ::testing::IsEmpty());

  connection->EndLease();
  EXPECT_EQ(connection->cached_statements(), 0);
  EXPECT_EQ(log_.size(), 4u);  // A, B and both C
  connection->Prepare("A");
  EXPECT_EQ(connection->cached_statements(), 1);
  EXPECT_EQ(connection->prepared_statements(), 5);
}

TEST_F(ConnectionTest, EndLeaseKeepsACacheThatFits) {
  std::unique_ptr<Connection> connection = NewConnection(/*max_cached_statements=*/2);
  sql::PreparedStatement& a = connection->Prepare("A");
  connection->EndLease();
  EXPECT_EQ(&connection->Prepare("A"), &a);
  EXPECT_EQ(connection->prepared_statements(), 1);
}

TEST_F(ConnectionTest, StatementsAreDestroyedBeforeTheirConnection) {
  std::unique_ptr<Connection> connection = NewConnection(/*max_cached_statements=*/1);
  connection->Prepare("A");
  connection->Prepare("B");  // uncached
  connection.reset();
  ASSERT_EQ(log_.size(), 3u);
  EXPECT_EQ(log_.back(), "~connection");
}

TEST_F(ConnectionTest, CloseDestroysTheStatementsThenClosesQuietly) {
  std::unique_ptr<Connection> connection = NewConnection();
  connection->Prepare("A");
  EXPECT_CALL(*mock_, close()).WillOnce([this] {
    log_.push_back("close");
    throw sql::SQLException("Lost connection to MySQL server", "HY000", 2013);
  });
  connection->Close();
  EXPECT_THAT(log_, ElementsAre("~A", "close"));
  EXPECT_EQ(connection->cached_statements(), 0);
}

TEST_F(ConnectionTest, InAPoolStatementsFollowTheirConnectionAndAreNotReusedByItsReplacement) {
  // Two connections; each prepares statements named after itself.
  auto factory = MockConnectionFactory::Scripted();
  std::vector<MockConnection*> mocks;
  for (const std::string name : {"first", "second"}) {
    auto mock = std::make_unique<TracedConnection>(&log_);
    ON_CALL(*mock, isValid()).WillByDefault(Return(true));
    ON_CALL(*mock, prepareStatement(Matcher<const sql::SQLString&>(_)))
        .WillByDefault([this, name](const sql::SQLString& sql) -> sql::PreparedStatement* {
          return new TracedStatement(&log_, name + ":" + std::string(sql));
        });
    mocks.push_back(factory->Queue(std::move(mock)));
  }
  ConnectionPoolOptions options;
  options.size = 1;
  options.validate_after_idle = absl::Hours(1);
  ConnectionPool pool(options, std::move(factory));

  sql::PreparedStatement* first_select = nullptr;
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool.Acquire());
    first_select = &lease.connection().Prepare("SELECT 1");
  }
  {
    // Idle in the pool in between, then leased again: the same statement, not prepared again.
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool.Acquire());
    EXPECT_EQ(&lease.connection().Prepare("SELECT 1"), first_select);
    EXPECT_EQ(lease.connection().prepared_statements(), 1);
    EXPECT_CALL(*mocks[0], close()).WillOnce([this] { log_.push_back("close first"); });
    lease.MarkBroken();
  }
  // Discarded: its statement was destroyed before the connection was closed.
  EXPECT_THAT(log_, ElementsAre("~first:SELECT 1", "close first", "~connection"));

  log_.clear();
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool.Acquire());
    EXPECT_EQ(&*lease, mocks[1]);
    EXPECT_CALL(*mocks[1], prepareStatement(Matcher<const sql::SQLString&>(SqlEq("SELECT 1"))))
        .Times(1);
    lease.connection().Prepare("SELECT 1");
    EXPECT_EQ(lease.connection().cached_statements(), 1);
  }
  EXPECT_CALL(*mocks[1], close()).WillOnce([this] { log_.push_back("close second"); });
}

}  // namespace
}  // namespace auth::mysql
