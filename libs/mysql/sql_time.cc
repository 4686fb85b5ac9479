// Time conversions to and from SQL; see sql_time.h.
#include "libs/mysql/sql_time.h"

#include <cppconn/resultset.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace auth::mysql {

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

absl::StatusOr<absl::Time> ReadUnixTimestamp(const sql::ResultSet& row, uint32_t column) {
  return ParseUnixTimestamp(std::string(row.getString(column)));
}

absl::StatusOr<std::optional<absl::Time>> ReadOptionalUnixTimestamp(const sql::ResultSet& row,
                                                                    uint32_t column) {
  if (row.isNull(column)) return std::nullopt;
  absl::StatusOr<absl::Time> time = ReadUnixTimestamp(row, column);
  if (!time.ok()) return time.status();
  return *time;
}

}  // namespace auth::mysql
