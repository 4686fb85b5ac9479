// ConnectionPool against a fake factory of mock connections: bounds, reuse, validation,
// discarding broken connections, and failures that must not hang.
#include "libs/repository/connection_pool.h"

#include <cppconn/connection.h>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/testing/mock_connector.h"
#include "libs/testing/notification.h"
#include "libs/testing/status_matchers.h"

namespace auth::repository {
namespace {

using ::auth::repository::testing::MockConnection;
using ::auth::testing::IsOk;
using ::auth::testing::Notification;
using ::auth::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::NiceMock;
using ::testing::Return;

// Hands out the connections (or errors) it was given, in order; counts calls. std::mutex, not
// absl::Mutex, so the test stays clean under ThreadSanitizer (see libs/testing/notification.h).
class FakeFactory : public ConnectionFactory {
 public:
  struct State {
    std::mutex mu;
    std::deque<absl::StatusOr<std::unique_ptr<sql::Connection>>> results;
    int connects = 0;
  };

  explicit FakeFactory(std::shared_ptr<State> state) : state_(std::move(state)) {}

  absl::StatusOr<std::unique_ptr<sql::Connection>> Connect() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    ++state_->connects;
    if (state_->results.empty()) return absl::UnavailableError("database unavailable");
    absl::StatusOr<std::unique_ptr<sql::Connection>>& front = state_->results.front();
    if (!front.ok()) {
      absl::Status error = front.status();
      state_->results.pop_front();
      return error;
    }
    std::unique_ptr<sql::Connection> connection = std::move(front).value();
    state_->results.pop_front();
    return connection;
  }

 private:
  std::shared_ptr<State> state_;
};

class ConnectionPoolTest : public ::testing::Test {
 protected:
  // A pool of at most `size` connections from the fake factory.
  std::unique_ptr<ConnectionPool> NewPool(int size, absl::Duration validate_after_idle,
                                          absl::Duration acquire_timeout = absl::Seconds(2)) {
    ConnectionPoolOptions options;
    options.size = size;
    options.validate_after_idle = validate_after_idle;
    options.acquire_timeout = acquire_timeout;
    return std::make_unique<ConnectionPool>(options, std::make_unique<FakeFactory>(state_));
  }

  // Queues a new mock connection for the factory and returns it (the pool will own it).
  MockConnection* AddConnection() {
    auto connection = std::make_unique<NiceMock<MockConnection>>();
    MockConnection* raw = connection.get();
    ON_CALL(*raw, isValid()).WillByDefault(Return(true));
    ON_CALL(*raw, isClosed()).WillByDefault(Return(false));
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->results.push_back(std::unique_ptr<sql::Connection>(std::move(connection)));
    return raw;
  }

  int connects() {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->connects;
  }

  std::shared_ptr<FakeFactory::State> state_ = std::make_shared<FakeFactory::State>();
};

TEST_F(ConnectionPoolTest, ReusesAReturnedConnection) {
  auto pool = NewPool(4, absl::Hours(1));
  MockConnection* connection = AddConnection();
  EXPECT_CALL(*connection, isValid()).Times(0);  // fresh: no ping needed
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
    EXPECT_EQ(lease.operator->(), connection);
  }
  EXPECT_EQ(connects(), 1);
  EXPECT_EQ(pool->OpenCountForTest(), 1);
  EXPECT_EQ(pool->IdleCountForTest(), 1);
}

TEST_F(ConnectionPoolTest, PingsIdleConnectionsAndReplacesDeadOnes) {
  auto pool = NewPool(4, absl::ZeroDuration());
  MockConnection* dead = AddConnection();
  { ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire()); }
  EXPECT_CALL(*dead, isValid()).WillOnce(Return(false));
  EXPECT_CALL(*dead, close());
  MockConnection* fresh = AddConnection();
  ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
  EXPECT_EQ(lease.operator->(), fresh);
  EXPECT_EQ(connects(), 2);
  EXPECT_EQ(pool->OpenCountForTest(), 1);
}

TEST_F(ConnectionPoolTest, BrokenConnectionIsDiscardedAndSiblingsChecked) {
  auto pool = NewPool(4, absl::Hours(1));
  MockConnection* first = AddConnection();
  MockConnection* second = AddConnection();
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection a, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(PooledConnection b, pool->Acquire());
    EXPECT_CALL(*first, close());
    a.MarkBroken();
  }  // b returns to the pool, then a is discarded.
  EXPECT_EQ(pool->OpenCountForTest(), 1);
  // The broken sibling makes the idle one suspect: it is pinged even though it is fresh.
  EXPECT_CALL(*second, isValid()).WillOnce(Return(true));
  ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
  EXPECT_EQ(lease.operator->(), second);
}

TEST_F(ConnectionPoolTest, ConnectFailureIsReturnedAndFreesTheSlot) {
  auto pool = NewPool(1, absl::Hours(1));
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->results.push_back(absl::UnavailableError("database unavailable"));
  }
  EXPECT_THAT(pool->Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(pool->OpenCountForTest(), 0);
  AddConnection();
  EXPECT_THAT(pool->Acquire(), IsOk());
}

TEST_F(ConnectionPoolTest, FullPoolTimesOutWithUnavailable) {
  auto pool = NewPool(2, absl::Hours(1), absl::Milliseconds(200));
  AddConnection();
  AddConnection();
  ASSERT_OK_AND_ASSIGN(PooledConnection a, pool->Acquire());
  ASSERT_OK_AND_ASSIGN(PooledConnection b, pool->Acquire());
  const absl::Time start = absl::Now();
  EXPECT_THAT(pool->Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  const absl::Duration waited = absl::Now() - start;
  EXPECT_GE(waited, absl::Milliseconds(190));
  EXPECT_LT(waited, absl::Seconds(2));
  EXPECT_EQ(connects(), 2);
}

TEST_F(ConnectionPoolTest, WaiterGetsTheReturnedConnection) {
  auto pool = NewPool(1, absl::Hours(1), absl::Seconds(10));
  MockConnection* only = AddConnection();
  std::optional<PooledConnection> held;
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
    held.emplace(std::move(lease));
  }
  Notification acquired;
  sql::Connection* got = nullptr;
  std::thread waiter([&] {
    absl::StatusOr<PooledConnection> lease = pool->Acquire();
    if (lease.ok()) got = lease->operator->();
    acquired.Notify();
  });
  EXPECT_FALSE(acquired.WaitForNotificationWithTimeout(absl::Milliseconds(100)));
  held.reset();
  EXPECT_TRUE(acquired.WaitForNotificationWithTimeout(absl::Seconds(5)));
  waiter.join();
  EXPECT_EQ(got, only);
  EXPECT_EQ(connects(), 1);
}

TEST_F(ConnectionPoolTest, StatsCountLeasesWaitersAndErrors) {
  auto pool = NewPool(1, absl::Hours(1), absl::Seconds(10));
  // The factory has nothing to give: a failed connect is an error and leaves nothing open.
  EXPECT_THAT(pool->Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  ConnectionPoolStats stats = pool->Stats();
  EXPECT_EQ(stats.open, 0);
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.waiting, 0);
  EXPECT_EQ(stats.errors, 1);

  AddConnection();
  std::optional<PooledConnection> held;
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
    held.emplace(std::move(lease));
  }
  stats = pool->Stats();
  EXPECT_EQ(stats.open, 1);
  EXPECT_EQ(stats.in_use, 1);
  EXPECT_EQ(stats.waiting, 0);

  Notification acquired;
  std::thread waiter([&] {
    EXPECT_THAT(pool->Acquire(), IsOk());
    acquired.Notify();
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (pool->Stats().waiting != 1 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(pool->Stats().waiting, 1);
  // A broken connection is an error too; its slot lets the waiter open a new one.
  AddConnection();
  held->MarkBroken();
  held.reset();
  EXPECT_TRUE(acquired.WaitForNotificationWithTimeout(absl::Seconds(5)));
  waiter.join();
  stats = pool->Stats();
  EXPECT_EQ(stats.open, 1);
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.waiting, 0);
  EXPECT_EQ(stats.errors, 2);
}

TEST_F(ConnectionPoolTest, StatsCountAcquireTimeouts) {
  auto pool = NewPool(1, absl::Hours(1), absl::Milliseconds(20));
  AddConnection();
  ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
  EXPECT_THAT(pool->Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(pool->Stats().errors, 1);
  EXPECT_EQ(pool->Stats().waiting, 0);
}

TEST_F(ConnectionPoolTest, MovedLeaseReturnsOnce) {
  auto pool = NewPool(2, absl::Hours(1));
  AddConnection();
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection a, pool->Acquire());
    PooledConnection b = std::move(a);
    PooledConnection c = std::move(b);
  }
  EXPECT_EQ(pool->OpenCountForTest(), 1);
  EXPECT_EQ(pool->IdleCountForTest(), 1);
}

TEST_F(ConnectionPoolTest, DestructorClosesIdleConnections) {
  auto pool = NewPool(2, absl::Hours(1));
  MockConnection* connection = AddConnection();
  { ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire()); }
  EXPECT_CALL(*connection, close());
  pool.reset();
}

TEST(SplitEndpointsTest, SplitsTrimsAndDropsEmptyItems) {
  EXPECT_THAT(SplitEndpoints("tcp://a:1, tcp://b:2 ,,tcp://c:3"),
              ElementsAre("tcp://a:1", "tcp://b:2", "tcp://c:3"));
  EXPECT_THAT(SplitEndpoints("unix:///run/mysqld/mysqld.sock"),
              ElementsAre("unix:///run/mysqld/mysqld.sock"));
  EXPECT_THAT(SplitEndpoints(" , "), IsEmpty());
}

TEST(CanonicalEndpointOrderTest, EveryOrderGivesTheSameList) {
  EXPECT_EQ(CanonicalEndpointOrder("tcp://b:2,tcp://c:3,tcp://a:1"), "tcp://a:1,tcp://b:2,tcp://c:3");
  EXPECT_EQ(CanonicalEndpointOrder("tcp://c:3, tcp://a:1,tcp://b:2"),
            "tcp://a:1,tcp://b:2,tcp://c:3");
  EXPECT_EQ(CanonicalEndpointOrder("unix:///s.sock"), "unix:///s.sock");
}

// A pool over several endpoints, each with its own fake factory.
class FailoverTest : public ::testing::Test {
 protected:
  static constexpr int kEndpoints = 3;

  std::unique_ptr<ConnectionPool> NewPool(absl::Duration retry_after = absl::Hours(1)) {
    ConnectionPoolOptions options;
    options.size = 4;
    options.validate_after_idle = absl::Hours(1);
    options.endpoint_retry_after = retry_after;
    std::vector<std::unique_ptr<ConnectionFactory>> factories;
    for (auto& state : states_) factories.push_back(std::make_unique<FakeFactory>(state));
    return std::make_unique<ConnectionPool>(options, std::move(factories));
  }

  MockConnection* AddConnection(int endpoint) {
    auto connection = std::make_unique<NiceMock<MockConnection>>();
    MockConnection* raw = connection.get();
    ON_CALL(*raw, isValid()).WillByDefault(Return(true));
    std::lock_guard<std::mutex> lock(states_[endpoint]->mu);
    states_[endpoint]->results.push_back(std::unique_ptr<sql::Connection>(std::move(connection)));
    return raw;
  }

  int connects(int endpoint) {
    std::lock_guard<std::mutex> lock(states_[endpoint]->mu);
    return states_[endpoint]->connects;
  }

  std::vector<std::shared_ptr<FakeFactory::State>> states_ = {
      std::make_shared<FakeFactory::State>(), std::make_shared<FakeFactory::State>(),
      std::make_shared<FakeFactory::State>()};
};

TEST_F(FailoverTest, PrefersTheFirstEndpoint) {
  auto pool = NewPool();
  MockConnection* first = AddConnection(0);
  AddConnection(1);
  ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
  EXPECT_EQ(lease.operator->(), first);
  EXPECT_EQ(lease.endpoint_index(), 0);
  EXPECT_EQ(connects(1), 0);
}

TEST_F(FailoverTest, AnEndpointThatRefusesIsPassedOver) {
  auto pool = NewPool();
  // Endpoint 0 has nothing to give: it refuses.
  MockConnection* second = AddConnection(1);
  AddConnection(1);
  std::optional<PooledConnection> held;
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
    EXPECT_EQ(lease.operator->(), second);
    EXPECT_EQ(lease.endpoint_index(), 1);
    held.emplace(std::move(lease));
  }
  // The next new connection does not try endpoint 0 again while it is passed over.
  ASSERT_OK_AND_ASSIGN(PooledConnection other, pool->Acquire());
  EXPECT_EQ(other.endpoint_index(), 1);
  EXPECT_EQ(connects(0), 1);
  EXPECT_EQ(connects(1), 2);
}

TEST_F(FailoverTest, ANodeMarkedUnavailableLosesItsIdleConnectionsAndNewOnes) {
  auto pool = NewPool();
  AddConnection(0);
  MockConnection* idle_on_first = AddConnection(0);
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection a, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(PooledConnection b, pool->Acquire());
    ASSERT_EQ(b.operator->(), idle_on_first);
    a.MarkNodeUnavailable();
  }  // b returns to the pool, then a is discarded and endpoint 0 marked failing.
  EXPECT_CALL(*idle_on_first, close());
  MockConnection* on_second = AddConnection(1);
  ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
  EXPECT_EQ(lease.operator->(), on_second);
  EXPECT_EQ(pool->OpenCountForTest(), 1);
}

TEST_F(FailoverTest, ThePreferredEndpointIsProbedAgainAndConnectionsMoveBack) {
  auto pool = NewPool(absl::Milliseconds(50));
  MockConnection* on_second = AddConnection(1);
  { ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire()); }  // endpoint 0 refused
  EXPECT_EQ(connects(0), 1);
  // Still passed over: the idle connection to endpoint 1 is reused without a probe.
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
    EXPECT_EQ(lease.operator->(), on_second);
  }
  EXPECT_EQ(connects(0), 1);

  absl::SleepFor(absl::Milliseconds(60));
  // Due for a probe, but still refusing: the idle connection serves, and the probe waits
  // another interval.
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
    EXPECT_EQ(lease.operator->(), on_second);
  }
  EXPECT_EQ(connects(0), 2);
  { ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire()); }
  EXPECT_EQ(connects(0), 2);

  absl::SleepFor(absl::Milliseconds(60));
  MockConnection* back_on_first = AddConnection(0);
  EXPECT_CALL(*on_second, close());  // replaced by the connection to the preferred endpoint
  {
    ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
    EXPECT_EQ(lease.operator->(), back_on_first);
    EXPECT_EQ(lease.endpoint_index(), 0);
  }
  EXPECT_EQ(pool->OpenCountForTest(), 1);
}

TEST_F(FailoverTest, WhenEveryEndpointFailsEachIsStillTried) {
  auto pool = NewPool();
  EXPECT_THAT(pool->Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(connects(0), 1);
  EXPECT_EQ(connects(1), 1);
  EXPECT_EQ(connects(2), 1);
  EXPECT_EQ(pool->Stats().errors, 3);
  EXPECT_EQ(pool->OpenCountForTest(), 0);
  // All are passed over, so all are the last resort, in order of preference.
  MockConnection* on_third = AddConnection(2);
  ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
  EXPECT_EQ(lease.operator->(), on_third);
  EXPECT_EQ(connects(0), 2);
  EXPECT_EQ(connects(1), 2);
}

}  // namespace
}  // namespace auth::repository
