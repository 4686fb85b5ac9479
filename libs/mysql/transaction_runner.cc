// The transaction/retry runner; see transaction_runner.h.
#include "libs/mysql/transaction_runner.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"

namespace auth::mysql {

namespace internal {

Failure Classify(const sql::SQLException& e) {
  const int code = e.getErrorCode();
  if (IsTransactionConflict(code, e.getSQLState())) return Failure::kConflict;
  if (IsNodeUnavailable(code)) return Failure::kNodeUnavailable;
  if (IsConnectionError(code)) return Failure::kConnectionLost;
  if (IsStaleStatement(code)) return Failure::kStaleStatement;
  return Failure::kOther;
}

void PauseBeforeRetry(absl::Duration backoff, int attempt) {
  if (backoff <= absl::ZeroDuration()) return;
  // thread_local: BitGen is not thread-safe, and seeding one per call would cost more than
  // the pause.
  thread_local absl::BitGen random;
  const absl::Duration ceiling = backoff * (int64_t{1} << std::min(attempt - 1, 10));
  absl::SleepFor(absl::Nanoseconds(
      absl::Uniform<int64_t>(random, 0, std::max<int64_t>(1, absl::ToInt64Nanoseconds(ceiling)))));
}

void Commit(Connection& connection) { connection.Prepare("COMMIT").execute(); }

void LogRetry(absl::string_view operation, const sql::SQLException& e, int attempt) {
  LOG(INFO) << operation << ": MySQL error " << e.getErrorCode() << " (SQLSTATE " << e.getSQLState()
            << ") on attempt " << attempt << "; retrying";
}

}  // namespace internal

bool RollbackQuietly(sql::Connection& connection) {
  try {
    connection.rollback();
    connection.setAutoCommit(true);
    return true;
  } catch (const std::exception& e) {
    LOG(WARNING) << "rollback failed: " << e.what();
    return false;
  }
}

}  // namespace auth::mysql
