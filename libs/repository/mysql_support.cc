// Transactions and time conversions for the MySQL repositories; see mysql_support.h.
#include "libs/repository/mysql_support.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include <cppconn/prepared_statement.h>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"

namespace auth::repository {

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
  absl::SleepFor(absl::Nanoseconds(absl::Uniform<int64_t>(
      random, 0, std::max<int64_t>(1, absl::ToInt64Nanoseconds(ceiling)))));
}

void Commit(Connection& connection) { connection.Prepare("COMMIT").execute(); }

void LogRetry(absl::string_view operation, const sql::SQLException& e, int attempt) {
  LOG(INFO) << operation << ": MySQL error " << e.getErrorCode() << " (SQLSTATE "
            << e.getSQLState() << ") on attempt " << attempt << "; retrying";
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

size_t InListSize(size_t n) {
  size_t size = 1;
  while (size < n && size < kMaxInListSize) size *= 4;
  return size;
}

namespace {

template <typename T, typename Set>
int BindPaddedList(sql::PreparedStatement& statement, int first, absl::Span<const T> values,
                   Set set) {
  CHECK(!values.empty() && values.size() <= kMaxInListSize) << values.size() << " values";
  const size_t padded = InListSize(values.size());
  for (size_t i = 0; i < padded; ++i) {
    // Padding repeats the last value: it matches the same rows, which are returned once.
    set(statement, first + static_cast<int>(i), values[std::min(i, values.size() - 1)]);
  }
  return first + static_cast<int>(padded);
}

}  // namespace

int BindInList(sql::PreparedStatement& statement, int first,
               absl::Span<const std::string> values) {
  return BindPaddedList(statement, first, values,
                        [](sql::PreparedStatement& s, int index, const std::string& value) {
                          s.setString(index, value);
                        });
}

int BindInList(sql::PreparedStatement& statement, int first, absl::Span<const int64_t> values) {
  return BindPaddedList(statement, first, values,
                        [](sql::PreparedStatement& s, int index, int64_t value) {
                          s.setInt64(index, value);
                        });
}

std::string InListPlaceholders(size_t n) {
  std::string marks;
  marks.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) absl::StrAppend(&marks, i == 0 ? "?" : ", ?");
  return marks;
}

std::string ToSqlTime(absl::Time t) {
  // DATETIME holds years 1000..9999; absl::InfiniteFuture() and friends must not reach SQL.
  static const absl::Time kMin =
      absl::FromCivil(absl::CivilSecond(1000, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  static const absl::Time kMax =
      absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59), absl::UTCTimeZone());
  if (t < kMin) t = kMin;
  if (t > kMax) t = kMax;
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseUnixTimestamp(absl::string_view text) {
  absl::string_view seconds_text = text;
  absl::string_view fraction_text;
  const size_t dot = text.find('.');
  if (dot != absl::string_view::npos) {
    seconds_text = text.substr(0, dot);
    fraction_text = text.substr(dot + 1);
  }
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(seconds_text, &seconds) || fraction_text.size() > 9) {
    return absl::InternalError("malformed timestamp from the database");
  }
  int64_t nanos = 0;
  if (!fraction_text.empty()) {
    std::string padded(fraction_text);
    padded.resize(9, '0');
    if (!absl::SimpleAtoi(padded, &nanos) || nanos < 0) {
      return absl::InternalError("malformed timestamp from the database");
    }
  }
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

}  // namespace auth::repository
