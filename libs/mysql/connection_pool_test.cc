// ConnectionPool against a fake factory of mock connections: bounds, reuse, validation,
// discarding broken connections, and failures that must not hang.
#include "libs/mysql/connection_pool.h"

#include <cppconn/connection.h>

#include <memory>
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
#include "libs/mysql/connection_factory_mock.h"
#include "libs/mysql/connector_mock.h"
#include "libs/testing/notification.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql {
namespace {

using ::auth::mysql::MockConnection;
using ::auth::mysql::MockConnectionFactory;
using ::auth::test_util::IsOk;
using ::auth::test_util::Notification;
using ::auth::test_util::StatusIs;
using ::testing::Return;

class ConnectionPoolTest : public ::testing::Test {
 protected:
  // A pool of at most `size` connections from the scripted factory.
  std::unique_ptr<ConnectionPool> NewPool(int size, absl::Duration validate_after_idle,
                                          absl::Duration acquire_timeout = absl::Seconds(2)) {
    ConnectionPoolOptions options;
    options.size = size;
    options.validate_after_idle = validate_after_idle;
    options.acquire_timeout = acquire_timeout;
    auto factory = MockConnectionFactory::Scripted();
    factory_ = factory.get();
    return std::make_unique<ConnectionPool>(options, std::move(factory));
  }

  // Queues a new mock connection for the factory and returns it (the pool will own it).
  MockConnection* AddConnection() { return factory_->Queue(); }

  int connects() { return factory_->connects(); }

  MockConnectionFactory* factory_ = nullptr;  // owned by the pool
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

TEST_F(ConnectionPoolTest, DistrustedIdleConnectionsArePingedThoughFresh) {
  auto pool = NewPool(4, absl::Hours(1));
  MockConnection* dead = AddConnection();
  { ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire()); }
  pool->DistrustIdleConnections();
  EXPECT_CALL(*dead, isValid()).WillOnce(Return(false));
  EXPECT_CALL(*dead, close());
  MockConnection* fresh = AddConnection();
  ASSERT_OK_AND_ASSIGN(PooledConnection lease, pool->Acquire());
  EXPECT_EQ(lease.operator->(), fresh);
}

TEST_F(ConnectionPoolTest, ConnectFailureIsReturnedAndFreesTheSlot) {
  auto pool = NewPool(1, absl::Hours(1));
  factory_->QueueError(absl::UnavailableError("database unavailable"));
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

}  // namespace
}  // namespace auth::mysql
