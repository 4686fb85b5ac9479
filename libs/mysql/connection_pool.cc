// ConnectionPool: leases, validation and endpoint failover; see connection_pool.h. The
// Connector/C++ factory is in connection_factory.cc.
#include "libs/mysql/connection_pool.h"

#include <cppconn/connection.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"

namespace auth::mysql {
namespace {

std::vector<std::unique_ptr<ConnectionFactory>> MysqlFactories(
    const ConnectionPoolOptions& options) {
  std::vector<std::unique_ptr<ConnectionFactory>> factories;
  std::vector<std::string> endpoints = SplitEndpoints(options.endpoint);
  // An empty list still gets a factory, so that the failure is reported at connect time.
  if (endpoints.empty()) endpoints.push_back(options.endpoint);
  for (const std::string& endpoint : endpoints) {
    factories.push_back(NewMysqlConnectionFactory(options, endpoint));
  }
  return factories;
}

std::vector<std::unique_ptr<ConnectionFactory>> OneFactory(
    std::unique_ptr<ConnectionFactory> factory) {
  std::vector<std::unique_ptr<ConnectionFactory>> factories;
  factories.push_back(std::move(factory));
  return factories;
}

// The steady-clock instant `timeout` from now. Clamped to a year so that an infinite timeout
// cannot overflow the clock's representation.
std::chrono::steady_clock::time_point DeadlineAfter(absl::Duration timeout) {
  timeout = std::clamp(timeout, absl::ZeroDuration(), absl::Hours(24 * 365));
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             absl::ToChronoNanoseconds(timeout));
}

bool IsAlive(sql::Connection& connection) {
  try {
    return !connection.isClosed() && connection.isValid();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

PooledConnection::PooledConnection(ConnectionPool* pool, std::unique_ptr<Connection> connection,
                                   int endpoint)
    : pool_(pool), connection_(std::move(connection)), endpoint_(endpoint) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::move(other.connection_)),
      endpoint_(other.endpoint_),
      broken_(other.broken_),
      node_unavailable_(other.node_unavailable_) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
    endpoint_ = other.endpoint_;
    broken_ = other.broken_;
    node_unavailable_ = other.node_unavailable_;
  }
  return *this;
}

PooledConnection::~PooledConnection() { Return(); }

void PooledConnection::Return() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Release(std::move(connection_), endpoint_, broken_, node_unavailable_);
  }
  pool_ = nullptr;
  broken_ = node_unavailable_ = false;
}

ConnectionPool::ConnectionPool(ConnectionPoolOptions options)
    : ConnectionPool(options, MysqlFactories(options)) {}

ConnectionPool::ConnectionPool(ConnectionPoolOptions options,
                               std::unique_ptr<ConnectionFactory> factory)
    : ConnectionPool(std::move(options), OneFactory(std::move(factory))) {}

ConnectionPool::ConnectionPool(ConnectionPoolOptions options,
                               std::vector<std::unique_ptr<ConnectionFactory>> factories)
    : options_(std::move(options)),
      endpoints_(std::move(factories)),
      selector_(static_cast<int>(endpoints_.size()), options_.endpoint_retry_after) {
  CHECK(!endpoints_.empty()) << "a ConnectionPool needs at least one endpoint";
}

ConnectionPool::~ConnectionPool() {
  std::vector<IdleConnection> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    LOG_IF(ERROR, open_ != static_cast<int>(idle_.size()))
        << "ConnectionPool destroyed with connections still leased";
    idle.swap(idle_);
    open_ -= idle.size();
  }
  for (IdleConnection& c : idle) Discard(std::move(c.connection));
}

absl::StatusOr<PooledConnection> ConnectionPool::Acquire() {
  const std::chrono::steady_clock::time_point deadline = DeadlineAfter(options_.acquire_timeout);
  while (true) {
    std::unique_ptr<Connection> connection;
    int endpoint = -1;
    bool check = false;
    bool drop = false;
    int failback = -1;
    std::vector<int> order;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Counted while blocked only: the lock is released just inside wait_until.
      ++waiting_;
      const bool available = freed_.wait_until(
          lock, deadline, [this] { return !idle_.empty() || open_ < options_.size; });
      --waiting_;
      if (!available) {
        ++errors_;
        return absl::UnavailableError("no database connection available");
      }
      const absl::Time now = absl::Now();
      if (!idle_.empty()) {
        IdleConnection& last = idle_.back();
        check = last.returned_at <= suspect_before_ ||
                now - last.returned_at >= options_.validate_after_idle;
        connection = std::move(last.connection);
        endpoint = last.endpoint;
        idle_.pop_back();
        if (selector_.IsFailing(endpoint) && selector_.AnyHealthy()) {
          // Its node failed since it was pooled, and another one serves: let it go.
          drop = true;
          --open_;
          freed_.notify_one();
        } else {
          failback = selector_.FailbackTarget(endpoint, now);
        }
      } else {
        ++open_;  // reserve the slot while connecting outside the lock
        order = selector_.ConnectOrder(now);
      }
    }

    if (drop) {
      Discard(std::move(connection));
      continue;
    }
    if (connection == nullptr) {
      absl::StatusOr<std::unique_ptr<Connection>> opened = Connect(order, &endpoint);
      if (!opened.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        --open_;
        suspect_before_ = absl::Now();
        freed_.notify_one();
        return opened.status();
      }
      return PooledConnection(this, *std::move(opened), endpoint);
    }
    if (failback >= 0) {
      // A preferred endpoint is back (or due for a probe): move this slot to it.
      int opened_endpoint = -1;
      absl::StatusOr<std::unique_ptr<Connection>> opened = Connect({failback}, &opened_endpoint);
      if (opened.ok()) {
        Discard(std::move(connection));
        return PooledConnection(this, *std::move(opened), opened_endpoint);
      }
    }
    if (!check || IsAlive(connection->raw())) {
      return PooledConnection(this, std::move(connection), endpoint);
    }
    // Dead (the server restarted or dropped us): so are its idle siblings, probably.
    LOG(INFO) << "discarding a dead pooled database connection";
    {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
      ++errors_;
      suspect_before_ = absl::Now();
      freed_.notify_one();
    }
    Discard(std::move(connection));
  }
}

void ConnectionPool::DistrustIdleConnections() {
  std::lock_guard<std::mutex> lock(mu_);
  suspect_before_ = absl::Now();
}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::Connect(const std::vector<int>& order,
                                                                    int* endpoint) {
  absl::Status last = absl::UnavailableError("no database endpoint");
  for (int i : order) {
    absl::StatusOr<std::unique_ptr<sql::Connection>> opened = endpoints_[i]->Connect();
    std::lock_guard<std::mutex> lock(mu_);
    if (opened.ok()) {
      selector_.NoteSuccess(i);
      *endpoint = i;
      return std::make_unique<Connection>(*std::move(opened));
    }
    ++errors_;
    selector_.NoteFailure(i, absl::Now());
    last = opened.status();
  }
  return last;
}

void ConnectionPool::Release(std::unique_ptr<Connection> connection, int endpoint, bool broken,
                             bool node_unavailable) {
  // Outside the lock: it may destroy statements, which talks to the server.
  if (!broken) connection->EndLease();
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = absl::Now();
    if (!broken) {
      idle_.push_back({std::move(connection), endpoint, now});
    } else {
      --open_;
      ++errors_;
      suspect_before_ = now;
      if (node_unavailable) selector_.NoteFailure(endpoint, now);
    }
    // Notified under the lock: once it is released, the last lease may be gone and the pool
    // with it.
    freed_.notify_one();
  }
  if (connection != nullptr) Discard(std::move(connection));
}

void ConnectionPool::Discard(std::unique_ptr<Connection> connection) {
  // Its statements go with it: a replacement connection prepares its own.
  connection->Close();
  connection.reset();
}

ConnectionPoolStats ConnectionPool::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  ConnectionPoolStats stats;
  stats.open = open_;
  stats.in_use = open_ - static_cast<int>(idle_.size());
  stats.waiting = waiting_;
  stats.errors = errors_;
  return stats;
}

int ConnectionPool::OpenCountForTest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

int ConnectionPool::IdleCountForTest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(idle_.size());
}

}  // namespace auth::mysql
