// MysqlAttemptLimiter; see mysql_attempt_limiter.h. Every statement is prepared: keys only ever
// travel as bound parameters.
#include "libs/repository/mysql/attempts/mysql_attempt_limiter.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mysql/attempts/attempt_counter_statements.h"

namespace auth::mysql_repository {

using ::auth::repository::Admission;
using ::auth::repository::AttemptLimit;

namespace {

// Keeps the counter far from INT UNSIGNED's limit however long a key is hammered.
constexpr int64_t kMaxCount = 1000000000;

}  // namespace

absl::StatusOr<Admission> MysqlAttemptLimiter::Admit(const std::vector<AttemptLimit>& limits,
                                                     absl::Time now) {
  if (limits.empty()) return absl::InvalidArgumentError("no attempt limits");
  // Sorted, so that concurrent statements lock rows in one order.
  std::vector<AttemptLimit> sorted = limits;
  std::sort(sorted.begin(), sorted.end(),
            [](const AttemptLimit& a, const AttemptLimit& b) { return a.key < b.key; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (absl::Status s = CheckAttemptKey(sorted[i].key); !s.ok()) return s;
    if (sorted[i].max_attempts <= 0 || sorted[i].window <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("attempt limits must be positive");
    }
    if (i > 0 && sorted[i].key == sorted[i - 1].key) {
      return absl::InvalidArgumentError("duplicate attempt key");
    }
  }
  const std::string now_sql = mysql::ToSqlTime(now);

  // One autocommit statement, one round trip: the upsert counts the attempt against every key
  // and RETURNING hands back each row's count as this statement left it. The statement holds
  // the rows' locks while it counts, so concurrent attempts (on any replica) get consecutive
  // counts and each sees exactly its own position in the window: the limit is exact. A count
  // stops at the limit + 1, so once a key is exhausted a refused attempt changes no row (no
  // row image to log, replicate or certify). Concurrent upserts of the same new keys can
  // deadlock on their gap locks (1213), and on Galera two nodes counting the same key at once
  // conflict at commit (1213, the loser rolled back, never both counted): either way the
  // statement is run again (RunOnConnection), and it counts afresh.
  return mysql::RunOnConnection(
      pool_, "admit attempt", "", [&](mysql::Connection& connection) -> absl::StatusOr<Admission> {
        std::string limit_of_key = "CASE counter_key";
        for (size_t i = 0; i < sorted.size(); ++i) absl::StrAppend(&limit_of_key, " WHEN ? THEN ?");
        absl::StrAppend(&limit_of_key, " END");
        // The column assignments run left to right: `attempts` still sees the old expiry.
        sql::PreparedStatement& count = connection.Prepare(
            absl::StrCat("INSERT INTO attempt_counters (counter_key, attempts, expires_at) VALUES ",
                         absl::StrJoin(std::vector<std::string>(sorted.size(), "(?, 1, ?)"), ", "),
                         " ON DUPLICATE KEY UPDATE "
                         "attempts = IF(expires_at <= ?, 1, IF(attempts > ",
                         limit_of_key, ", attempts, LEAST(attempts + 1, ", kMaxCount,
                         "))), "
                         "expires_at = IF(expires_at <= ?, VALUES(expires_at), expires_at) "
                         "RETURNING counter_key, attempts, UNIX_TIMESTAMP(expires_at)"));
        int column = 1;
        for (const AttemptLimit& limit : sorted) {
          count.setString(column++, limit.key);
          count.setString(column++, mysql::ToSqlTime(now + limit.window));
        }
        count.setString(column++, now_sql);
        for (const AttemptLimit& limit : sorted) {
          count.setString(column++, limit.key);
          count.setInt64(column++, limit.max_attempts);
        }
        count.setString(column++, now_sql);
        std::unique_ptr<sql::ResultSet> rows(count.executeQuery());
        struct Counter {
          int64_t attempts;
          absl::Time expires_at;
        };
        std::map<std::string, Counter> counters;
        while (rows->next()) {
          absl::StatusOr<absl::Time> expires_at = mysql::ReadUnixTimestamp(*rows, 3);
          if (!expires_at.ok()) return expires_at.status();
          counters[std::string(rows->getString(1))] = {static_cast<int64_t>(rows->getUInt64(2)),
                                                       *expires_at};
        }

        Admission admission;
        admission.admitted = true;
        for (const AttemptLimit& limit : sorted) {
          const auto it = counters.find(limit.key);
          if (it == counters.end()) return absl::InternalError("attempt count not returned");
          if (it->second.attempts <= limit.max_attempts) continue;
          admission.admitted = false;
          admission.retry_after = std::max(admission.retry_after, it->second.expires_at - now);
        }
        if (!admission.admitted) {
          admission.retry_after = std::max(admission.retry_after, absl::Seconds(1));
        }
        return admission;
      });
}

absl::Status MysqlAttemptLimiter::Settle(const repository::AttemptSettlement& settlement) {
  if (absl::Status valid = CheckAttemptSettlement(settlement); !valid.ok()) return valid;
  if (settlement.empty()) return absl::OkStatus();
  return mysql::RunOnConnection(pool_, "settle attempts", "", [&](mysql::Connection& connection) {
    SettleAttemptCounters(connection, settlement);
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> MysqlAttemptLimiter::DeleteExpired(absl::Time now) {
  return mysql::RunOnConnection(pool_, "delete expired attempt counters", "",
                                [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
                                  sql::PreparedStatement& remove = connection.Prepare(
                                      "DELETE FROM attempt_counters WHERE expires_at <= ?");
                                  remove.setString(1, mysql::ToSqlTime(now));
                                  return static_cast<int64_t>(remove.executeUpdate());
                                });
}

}  // namespace auth::mysql_repository
