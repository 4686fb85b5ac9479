// ConnectionPool over several endpoints, each a scripted factory of mock connections: the
// preferred endpoint, endpoints passed over after a refusal or an unusable node, the probe that
// moves connections back, and every endpoint failing. (The selection itself:
// endpoint_selector_test.cc.)
#include <cppconn/connection.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_factory.h"
#include "libs/mysql/connection_factory_mock.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/connector_mock.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql {
namespace {

using ::auth::mysql::MockConnection;
using ::auth::mysql::MockConnectionFactory;
using ::auth::test_util::StatusIs;

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
    factories_.clear();
    for (int i = 0; i < kEndpoints; ++i) {
      factories.push_back(MockConnectionFactory::Scripted());
      factories_.push_back(static_cast<MockConnectionFactory*>(factories.back().get()));
    }
    return std::make_unique<ConnectionPool>(options, std::move(factories));
  }

  // Queues a new mock connection for `endpoint` and returns it (the pool will own it).
  MockConnection* AddConnection(int endpoint) { return factories_[endpoint]->Queue(); }

  int connects(int endpoint) { return factories_[endpoint]->connects(); }

  std::vector<MockConnectionFactory*> factories_;  // one per endpoint, owned by the pool
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
}  // namespace auth::mysql
