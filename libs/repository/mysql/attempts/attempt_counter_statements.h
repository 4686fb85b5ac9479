// The statement that settles attempt counters (AttemptLimiter::Settle()'s work), shared by
// MysqlAttemptLimiter::Settle() (on its own, autocommit) and by the refresh-token repository's
// Create(), which writes a login's settlement in the transaction that stores its session: one
// commit for both.
//
//   if (absl::Status valid = CheckAttemptSettlement(settlement); !valid.ok()) return valid;
//   ... inside RunOnConnection() or RunInTransaction():
//   SettleAttemptCounters(connection, settlement);
#ifndef LIBS_REPOSITORY_MYSQL_ATTEMPTS_ATTEMPT_COUNTER_STATEMENTS_H_
#define LIBS_REPOSITORY_MYSQL_ATTEMPTS_ATTEMPT_COUNTER_STATEMENTS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "libs/mysql/connection.h"
#include "libs/repository/attempt_limiter.h"

namespace auth::mysql_repository {

// The longest key `attempt_counters` holds.
inline constexpr size_t kMaxAttemptKeyBytes = 160;

// kInvalidArgument unless `key` is 1-160 bytes.
absl::Status CheckAttemptKey(const std::string& key);

// CheckAttemptKey() for every key of `settlement`.
absl::Status CheckAttemptSettlement(const repository::AttemptSettlement& settlement);

// One UPDATE: each reset key's count is emptied and its window ended (the next attempt starts a
// new one, as if the row were gone); each refund key gives one attempt back. Keys without a
// row, or with nothing counted, are left alone. Does nothing for an empty settlement. Throws
// sql::SQLException; the keys must have passed CheckAttemptSettlement().
void SettleAttemptCounters(mysql::Connection& connection,
                           const repository::AttemptSettlement& settlement);

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_ATTEMPTS_ATTEMPT_COUNTER_STATEMENTS_H_
