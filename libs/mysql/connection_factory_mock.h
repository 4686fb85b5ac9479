// MockConnectionFactory: a ConnectionFactory for unit tests of a ConnectionPool and of the code
// above it. Each connection it hands out is a NiceMock<MockConnection> whose isValid() is
// true, set up further by an optional callback, and remembered, so that a test can set
// expectations on it while the pool owns it.
//
//   auto factory = std::make_unique<MockConnectionFactory>();
//   MockConnectionFactory* connections = factory.get();
//   ConnectionPool pool(options, std::move(factory));
//   { auto lease = pool.Acquire(); }  // opens connections->last()
//   EXPECT_CALL(*connections->last(), rollback());
//
// By default every Connect() opens a new connection. A scripted factory (Scripted()) hands out
// only what the test queued, in order (Queue(), QueueError()), and refuses (kUnavailable) when
// nothing is queued: for tests of when and where a pool connects. Thread-safe.
#ifndef LIBS_MYSQL_CONNECTION_FACTORY_MOCK_H_
#define LIBS_MYSQL_CONNECTION_FACTORY_MOCK_H_

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/sqlstring.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "libs/mysql/connection_factory.h"
#include "libs/mysql/connector_mock.h"

namespace auth::mysql {

class MockConnectionFactory : public ConnectionFactory {
 public:
  // Called on each new connection before it is handed out or queued.
  using Setup = std::function<void(MockConnection&)>;

  explicit MockConnectionFactory(Setup setup = nullptr) : setup_(std::move(setup)) {}

  // A factory that hands out only what was queued.
  static std::unique_ptr<MockConnectionFactory> Scripted(Setup setup = nullptr) {
    auto factory = std::make_unique<MockConnectionFactory>(std::move(setup));
    factory->scripted_ = true;
    return factory;
  }

  absl::StatusOr<std::unique_ptr<sql::Connection>> Connect() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++connects_;
    if (!scripted_) return Hand(New());
    if (queued_.empty()) return absl::UnavailableError("database unavailable");
    absl::StatusOr<std::unique_ptr<sql::Connection>> next = std::move(queued_.front());
    queued_.pop_front();
    if (!next.ok()) return next.status();
    return Hand(*std::move(next));
  }

  // Queues a new connection for a later Connect() and returns it (the pool will own it).
  MockConnection* Queue() { return Queue(New()); }
  // Queues `connection`, made by the test (not set up), and returns it.
  MockConnection* Queue(std::unique_ptr<MockConnection> connection) {
    MockConnection* raw = connection.get();
    std::lock_guard<std::mutex> lock(mu_);
    queued_.push_back(std::unique_ptr<sql::Connection>(std::move(connection)));
    return raw;
  }

  // Queues a refused connect.
  void QueueError(absl::Status error) {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.push_back(std::move(error));
  }

  // Connect() calls so far, refused ones included.
  int connects() const {
    std::lock_guard<std::mutex> lock(mu_);
    return connects_;
  }
  // Connections handed out so far.
  int made() const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(made_.size());
  }
  // The `i`-th connection handed out (from 0); it may have been closed and destroyed since.
  MockConnection* connection(int i) const {
    std::lock_guard<std::mutex> lock(mu_);
    return made_[i];
  }
  // The newest connection handed out.
  MockConnection* last() const {
    std::lock_guard<std::mutex> lock(mu_);
    return made_.back();
  }

 private:
  std::unique_ptr<MockConnection> New() {
    auto connection = std::make_unique<::testing::NiceMock<MockConnection>>();
    ON_CALL(*connection, isValid()).WillByDefault(::testing::Return(true));
    if (setup_) setup_(*connection);
    return connection;
  }

  // Under mu_: remembers `connection` as handed out.
  std::unique_ptr<sql::Connection> Hand(std::unique_ptr<sql::Connection> connection) {
    made_.push_back(static_cast<MockConnection*>(connection.get()));
    return connection;
  }

  const Setup setup_;
  bool scripted_ = false;
  // std::mutex, not absl::Mutex, so that tests stay clean under ThreadSanitizer (see
  // libs/testing/notification.h).
  mutable std::mutex mu_;
  std::deque<absl::StatusOr<std::unique_ptr<sql::Connection>>> queued_;
  std::vector<MockConnection*> made_;
  int connects_ = 0;
};

// A Setup under which every statement whose SQL matches `sql` (any, by default) is prepared
// as a NiceMock that succeeds, unless the test expects otherwise: for tests that do not look at
// those statements (a transaction's COMMIT, say).
inline MockConnectionFactory::Setup PrepareSucceeds(
    ::testing::Matcher<const sql::SQLString&> sql = ::testing::_) {
  return [sql](MockConnection& connection) {
    ON_CALL(connection, prepareStatement(sql))
        .WillByDefault([](const sql::SQLString&) -> sql::PreparedStatement* {
          return new ::testing::NiceMock<MockPreparedStatement>;
        });
    EXPECT_CALL(connection, prepareStatement(sql)).Times(::testing::AnyNumber());
  };
}

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_CONNECTION_FACTORY_MOCK_H_
