// ExpiredRowSweeper; see expired_row_sweeper.h.
#include "libs/repository/mysql/maintenance/expired_row_sweeper.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "glog/logging.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"

namespace auth::mysql_repository {

namespace {

// Releases the sweeper's lock when the run ends, however it ends: the connection goes back to
// the pool, and a lock left on it would keep every replica from sweeping until it closed.
class LockRelease {
 public:
  explicit LockRelease(mysql::Connection& connection) : connection_(connection) {}
  ~LockRelease() {
    try {
      sql::PreparedStatement& release = connection_.Prepare("SELECT RELEASE_LOCK(?)");
      release.setString(1, ExpiredRowSweeper::kLockName);
      std::unique_ptr<sql::ResultSet> rows(release.executeQuery());
    } catch (const sql::SQLException& e) {
      // The connection is broken, and its lock went with it on the server.
      LOG(WARNING) << "sweeper: releasing the lock failed, MySQL error " << e.getErrorCode();
    } catch (...) {
      // A destructor must not throw; the run's own error is what the caller hears about.
      LOG(WARNING) << "sweeper: releasing the lock failed";
    }
  }

 private:
  mysql::Connection& connection_;
};

// ER_NOT_SUPPORTED_YET: some MariaDB releases refuse GET_LOCK on a Galera node (MDEV-30473;
// 10.11.19, Debian 12's, accepts it).
constexpr int kNotSupportedYet = 1235;

enum class Lock { kTaken, kHeldElsewhere, kUnsupported };

Lock TryLock(mysql::Connection& connection) {
  sql::PreparedStatement& lock = connection.Prepare("SELECT GET_LOCK(?, 0)");
  lock.setString(1, ExpiredRowSweeper::kLockName);
  try {
    std::unique_ptr<sql::ResultSet> rows(lock.executeQuery());
    return rows->next() && !rows->isNull(1) && rows->getInt(1) == 1 ? Lock::kTaken
                                                                    : Lock::kHeldElsewhere;
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kNotSupportedYet) throw;
    return Lock::kUnsupported;
  }
}

// Deletes rows of `table` matching `condition` (one `?`: `cutoff`) in `order` (an indexed
// column, so each batch finds its rows through the index), batch by batch, until none is left or
// `budget` rows are gone; returns how many were deleted and counts the statements in `result`.
int64_t DeleteInBatches(mysql::Connection& connection, absl::string_view table,
                        absl::string_view condition, absl::string_view order,
                        const std::string& cutoff, int64_t batch_size, int64_t budget,
                        SweepResult& result) {
  sql::PreparedStatement& remove = connection.Prepare(
      absl::StrCat("DELETE FROM ", table, " WHERE ", condition, " ORDER BY ", order, " LIMIT ?"));
  int64_t deleted = 0;
  while (deleted < budget) {
    const int64_t limit = std::min(batch_size, budget - deleted);
    remove.setDateTime(1, cutoff);
    remove.setInt64(2, limit);
    const absl::Time start = absl::Now();
    const int64_t removed = remove.executeUpdate();
    result.longest_batch = std::max(result.longest_batch, absl::Now() - start);
    ++result.batches;
    deleted += removed;
    if (removed < limit) break;
  }
  return deleted;
}

}  // namespace

ExpiredRowSweeper::ExpiredRowSweeper(mysql::ConnectionPool& pool, ExpiredRowSweeperOptions options,
                                     std::function<absl::Time()> clock)
    : pool_(pool), options_(options), clock_(std::move(clock)) {}

ExpiredRowSweeper::~ExpiredRowSweeper() { Stop(); }

absl::StatusOr<SweepResult> ExpiredRowSweeper::SweepOnce() {
  const absl::Time now = clock_();
  const std::string cutoff = mysql::ToSqlTime(now);
  // One connection for the whole run: the lock belongs to it. Every statement is safe to run
  // again (RunOnConnection may, after a conflict), and a lost connection is not retried.
  return mysql::RunOnConnection(
      pool_, "sweep expired rows", "",
      [&](mysql::Connection& connection) -> absl::StatusOr<SweepResult> {
        SweepResult result;
        const Lock lock = TryLock(connection);
        if (lock == Lock::kHeldElsewhere) return result;
        // Without the lock replicas may sweep at once, which only repeats idempotent deletes:
        // better than never sweeping.
        LOG_IF(WARNING, lock == Lock::kUnsupported && !warned_unsupported_.exchange(true))
            << "sweeper: the database refuses GET_LOCK (a Galera node of a MariaDB release "
               "that does); sweeping without it";
        std::optional<LockRelease> release;
        if (lock == Lock::kTaken) release.emplace(connection);
        result.swept = true;
        int64_t budget = options_.max_rows_per_run;
        const auto sweep = [&](absl::string_view table, absl::string_view condition,
                               absl::string_view order, const std::string& before) {
          const int64_t deleted = DeleteInBatches(connection, table, condition, order, before,
                                                  options_.batch_size, budget, result);
          budget -= deleted;
          return deleted;
        };
        result.sessions_deleted = sweep("sessions", "expires_at < ?", "expires_at", cutoff);
        result.refresh_tokens_deleted =
            sweep("refresh_tokens", "expires_at < ?", "expires_at", cutoff);
        // A window ends at expires_at itself (see mysql_attempt_limiter.cc), hence <=.
        result.attempt_counters_deleted =
            sweep("attempt_counters", "expires_at <= ?", "expires_at", cutoff);
        // A link's token is worth nothing once expired.
        result.account_tokens_deleted =
            sweep("account_tokens", "expires_at < ?", "expires_at", cutoff);
        // So is an MFA ticket (every sign-in with a second factor leaves one).
        result.mfa_tickets_deleted = sweep("mfa_tickets", "expires_at < ?", "expires_at", cutoff);
        // A sent mail's body holds a link that may still work: kept only briefly (to see that
        // it went); a failed one longer, for whoever looks into why.
        result.mails_deleted =
            sweep("mail_outbox", "state = 1 AND finished_at < ?", "state, next_attempt_at",
                  mysql::ToSqlTime(now - kSentMailRetention));
        result.mails_deleted +=
            sweep("mail_outbox", "state = 2 AND finished_at < ?", "state, next_attempt_at",
                  mysql::ToSqlTime(now - kFailedMailRetention));
        // A passkey ceremony's challenge is worth nothing once expired, spent or not.
        result.webauthn_ceremonies_deleted =
            sweep("webauthn_ceremonies", "expires_at < ?", "expires_at", cutoff);
        return result;
      });
}

void ExpiredRowSweeper::Start(absl::Duration period) {
  thread_ = std::thread([this, period] { Run(period); });
}

void ExpiredRowSweeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ExpiredRowSweeper::Run(absl::Duration period) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      stop_requested_.wait_for(lock, absl::ToChronoNanoseconds(period),
                               [this] { return stopping_; });
      if (stopping_) return;
    }
    const absl::StatusOr<SweepResult> result = SweepOnce();
    if (!result.ok()) {
      LOG(WARNING) << "sweeper: " << result.status();
    } else if (result->swept) {
      VLOG(1) << "sweeper: deleted " << result->sessions_deleted << " sessions, "
              << result->refresh_tokens_deleted << " refresh tokens, "
              << result->attempt_counters_deleted << " attempt counters in " << result->batches
              << " batches";
    }
  }
}

}  // namespace auth::mysql_repository
