// MysqlAttemptLimiter: AttemptLimiter over the `attempt_counters` table (see
// ../schema/migrations/).
//
//   ConnectionPool pool(options);
//   MysqlAttemptLimiter limiter(pool);
//   absl::StatusOr<Admission> admission =
//       limiter.Admit({{"login-address:203.0.113.7", 50, absl::Minutes(15)}}, absl::Now());
//
// Admit() is one autocommit statement, one round trip: a multi-row INSERT ... ON DUPLICATE KEY
// UPDATE counts the attempt against every key (in key order, so concurrent admissions lock rows
// in one order) and RETURNING reads each count back as that statement left it, so each attempt
// sees exactly its own position in the window and the limit is exact under any concurrency. A
// count stops at its limit + 1: once a key is exhausted, refusals change no row. Settle() and
// DeleteExpired() are single statements too; a login settles inside the transaction that stores
// its session instead (attempt_counter_statements.h, MysqlRefreshTokenRepository::Create).
#ifndef LIBS_REPOSITORY_MYSQL_ATTEMPTS_MYSQL_ATTEMPT_LIMITER_H_
#define LIBS_REPOSITORY_MYSQL_ATTEMPTS_MYSQL_ATTEMPT_LIMITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/attempt_limiter.h"

namespace auth::mysql_repository {

class MysqlAttemptLimiter : public repository::AttemptLimiter {
 public:
  // `pool` must outlive the limiter.
  explicit MysqlAttemptLimiter(mysql::ConnectionPool& pool) : pool_(pool) {}

  absl::StatusOr<repository::Admission> Admit(const std::vector<repository::AttemptLimit>& limits,
                                              absl::Time now) override;
  absl::Status Settle(const repository::AttemptSettlement& settlement) override;
  absl::StatusOr<int64_t> DeleteExpired(absl::Time now) override;

 private:
  mysql::ConnectionPool& pool_;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_ATTEMPTS_MYSQL_ATTEMPT_LIMITER_H_
