// MockPool: a ConnectionPool over a MockConnectionFactory whose first connection is already
// open, for unit tests of code that runs statements through a pool (RunOnConnection() and the
// other runners of transaction_runner.h, the MySQL repositories).
//
//   MockPool mock;
//   MysqlUserRepository users(mock.pool());
//   MockPreparedStatement* select = mock.ExpectPrepare(SqlHas("FROM users WHERE id = ?"));
//   EXPECT_CALL(*select, executeQuery()).WillOnce(Return(rows));
//
// By default each call runs once (max_attempts 1: the tests check what one run maps each
// outcome to; retries have tests of their own) and idle connections are never pinged.
#ifndef LIBS_MYSQL_CONNECTION_POOL_MOCK_H_
#define LIBS_MYSQL_CONNECTION_POOL_MOCK_H_

#include <cppconn/prepared_statement.h>
#include <cppconn/sqlstring.h>

#include <memory>
#include <utility>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/mysql/connection_factory_mock.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/connector_mock.h"

namespace auth::mysql {

class MockPool {
 public:
  // Options for a pool of `size` connections that runs each call once and pings nothing.
  static ConnectionPoolOptions OneRunOptions(int size = 1) {
    ConnectionPoolOptions options;
    options.size = size;
    options.max_attempts = 1;
    options.validate_after_idle = absl::Hours(1);
    return options;
  }

  explicit MockPool(ConnectionPoolOptions options = OneRunOptions(),
                    MockConnectionFactory::Setup setup = nullptr) {
    auto factory = std::make_unique<MockConnectionFactory>(std::move(setup));
    factory_ = factory.get();
    pool_ = std::make_unique<ConnectionPool>(std::move(options), std::move(factory));
    // Open the connection now, so that expectations can be set on it before the call.
    { auto lease = pool_->Acquire(); }
  }

  ConnectionPool& pool() { return *pool_; }
  MockConnectionFactory& factory() { return *factory_; }
  // The newest connection.
  MockConnection& connection() { return *factory_->last(); }

  // Expects one prepareStatement() on connection() whose SQL matches `sql`, and returns the
  // StrictMock statement it answers with (owned by the code under test).
  MockPreparedStatement* ExpectPrepare(::testing::Matcher<const sql::SQLString&> sql) {
    auto* statement = new ::testing::StrictMock<MockPreparedStatement>;
    EXPECT_CALL(connection(), prepareStatement(sql)).WillOnce(::testing::Return(statement));
    return statement;
  }

 private:
  MockConnectionFactory* factory_ = nullptr;  // owned by pool_
  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_CONNECTION_POOL_MOCK_H_
