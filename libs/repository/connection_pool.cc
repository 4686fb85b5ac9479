// ConnectionPool and the Connector/C++ connection factory; see connection_pool.h.
#include "libs/repository/connection_pool.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <mysql_driver.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "libs/repository/mysql_errors.h"

namespace auth::repository {
namespace {

// Connector/C++ takes timeouts as whole seconds; zero would mean "no timeout".
int WholeSeconds(absl::Duration d) {
  return std::max(1, static_cast<int>(std::ceil(absl::ToDoubleSeconds(d))));
}

class MysqlConnectionFactory : public ConnectionFactory {
 public:
  explicit MysqlConnectionFactory(const ConnectionPoolOptions& options) : options_(options) {}

  absl::StatusOr<std::unique_ptr<sql::Connection>> Connect() override {
    sql::ConnectOptionsMap properties;
    properties["hostName"] = options_.endpoint;
    properties["userName"] = options_.user;
    properties["password"] = options_.password;
    properties["schema"] = options_.database;
    properties["OPT_CONNECT_TIMEOUT"] = WholeSeconds(options_.connect_timeout);
    properties["OPT_READ_TIMEOUT"] = WholeSeconds(options_.read_timeout);
    properties["OPT_WRITE_TIMEOUT"] = WholeSeconds(options_.write_timeout);
    properties["OPT_CHARSET_NAME"] = "utf8mb4";
    // The pool replaces broken connections itself; a silent reconnect would lose session
    // state (the time zone) behind its back.
    properties["OPT_RECONNECT"] = false;
    properties["CLIENT_MULTI_STATEMENTS"] = false;
    try {
      std::unique_ptr<sql::Connection> connection(Driver()->connect(properties));
      connection->setAutoCommit(true);
      // TIMESTAMP columns are converted through the session time zone; pin it to UTC.
      std::unique_ptr<sql::PreparedStatement> set_time_zone(
          connection->prepareStatement("SET time_zone = '+00:00'"));
      set_time_zone->execute();
      return connection;
    } catch (const sql::SQLException& e) {
      // Unreachable server: kUnavailable; bad credentials or schema: kInternal.
      return SqlErrorToStatus(e, "connect");
    } catch (const std::exception& e) {
      LOG(WARNING) << "connect: " << e.what();
      return absl::InternalError("database error");
    }
  }

 private:
  // The driver singleton; creating it is not thread-safe, a function-local static is.
  static sql::Driver* Driver() {
    static sql::Driver* const driver = sql::mysql::get_mysql_driver_instance();
    return driver;
  }

  const ConnectionPoolOptions options_;
};

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

std::unique_ptr<ConnectionFactory> NewMysqlConnectionFactory(const ConnectionPoolOptions& options) {
  return std::make_unique<MysqlConnectionFactory>(options);
}

PooledConnection::PooledConnection(ConnectionPool* pool,
                                   std::unique_ptr<sql::Connection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::move(other.connection_)),
      broken_(other.broken_) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
    broken_ = other.broken_;
  }
  return *this;
}

PooledConnection::~PooledConnection() { Return(); }

void PooledConnection::Return() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Release(std::move(connection_), broken_);
  }
  pool_ = nullptr;
  broken_ = false;
}

ConnectionPool::ConnectionPool(ConnectionPoolOptions options)
    : ConnectionPool(options, NewMysqlConnectionFactory(options)) {}

ConnectionPool::ConnectionPool(ConnectionPoolOptions options,
                               std::unique_ptr<ConnectionFactory> factory)
    : options_(std::move(options)), factory_(std::move(factory)) {}

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
    std::unique_ptr<sql::Connection> connection;
    bool check = false;
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
      if (!idle_.empty()) {
        IdleConnection& last = idle_.back();
        check = last.returned_at <= suspect_before_ ||
                absl::Now() - last.returned_at >= options_.validate_after_idle;
        connection = std::move(last.connection);
        idle_.pop_back();
      } else {
        ++open_;  // reserve the slot while connecting outside the lock
      }
    }

    if (connection == nullptr) {
      absl::StatusOr<std::unique_ptr<sql::Connection>> opened = factory_->Connect();
      if (!opened.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        --open_;
        ++errors_;
        suspect_before_ = absl::Now();
        freed_.notify_one();
        return opened.status();
      }
      return PooledConnection(this, *std::move(opened));
    }
    if (!check || IsAlive(*connection)) {
      return PooledConnection(this, std::move(connection));
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

void ConnectionPool::Release(std::unique_ptr<sql::Connection> connection, bool broken) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!broken) {
      idle_.push_back({std::move(connection), absl::Now()});
    } else {
      --open_;
      ++errors_;
      suspect_before_ = absl::Now();
    }
    // Notified under the lock: once it is released, the last lease may be gone and the pool
    // with it.
    freed_.notify_one();
  }
  if (connection != nullptr) Discard(std::move(connection));
}

void ConnectionPool::Discard(std::unique_ptr<sql::Connection> connection) {
  try {
    connection->close();
  } catch (const std::exception&) {
    // Closing a connection whose server is gone may fail; it is being dropped anyway.
  }
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

}  // namespace auth::repository
