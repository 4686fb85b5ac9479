// DatabaseHealthMonitor and PingDatabase; see database_health.h.
#include "services/auth/server/database_health.h"

#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <chrono>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "glog/logging.h"

namespace auth::service {

namespace {

absl::Status PingOnce(mysql::ConnectionPool& pool) {
  absl::StatusOr<mysql::PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return connection.status();
  try {
    std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery("SELECT 1"));
    if (rows->next() && rows->getInt(1) == 1) return absl::OkStatus();
    return absl::UnavailableError("database ping: SELECT 1 returned no row");
  } catch (const sql::SQLException& e) {
    // The node went away or hangs: the connection is closed and, with several endpoints
    // (Galera), the pool passes this one over for a while.
    connection->MarkNodeUnavailable();
    return absl::UnavailableError(absl::StrCat("database ping: MySQL error ", e.getErrorCode()));
  }
}

}  // namespace

absl::Status PingDatabase(mysql::ConnectionPool& pool) {
  // A connection that broke since the last probe (a restarted server, a lost Galera node) says
  // little about the database now: a second try on a fresh connection, to the next endpoint if
  // there is one, decides.
  if (PingOnce(pool).ok()) return absl::OkStatus();
  return PingOnce(pool);
}

DatabaseHealthMonitor::DatabaseHealthMonitor(Probe probe, Report report, absl::Duration period)
    : probe_(std::move(probe)), report_(std::move(report)), period_(period) {}

DatabaseHealthMonitor::~DatabaseHealthMonitor() { Stop(); }

void DatabaseHealthMonitor::Start() {
  thread_ = std::thread([this] { Run(); });
}

void DatabaseHealthMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DatabaseHealthMonitor::Run() {
  bool serving = true;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      stop_requested_.wait_for(lock, absl::ToChronoNanoseconds(period_),
                               [this] { return stopping_; });
      if (stopping_) return;
    }
    const absl::Status probed = probe_();
    if (probed.ok() == serving) continue;
    serving = probed.ok();
    if (serving) {
      LOG(WARNING) << "database reachable again: health SERVING";
    } else {
      LOG(WARNING) << "database unreachable (" << probed << "): health NOT_SERVING";
    }
    // A stop requested while the probe ran wins over its verdict.
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    report_(serving);
  }
}

}  // namespace auth::service
