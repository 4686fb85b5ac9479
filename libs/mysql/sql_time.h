// Times to and from SQL: DATETIME literals for bound parameters, and UNIX_TIMESTAMP() columns
// read back, which keeps every conversion in UTC whatever the server's time zone.
//
//   insert.setDateTime(3, ToSqlTime(session.expires_at));
//   ... "SELECT UNIX_TIMESTAMP(expires_at), UNIX_TIMESTAMP(revoked_at) FROM sessions ..."
//   absl::StatusOr<absl::Time> expires_at = ReadUnixTimestamp(*rows, 1);
//   absl::StatusOr<std::optional<absl::Time>> revoked_at = ReadOptionalUnixTimestamp(*rows, 2);
#ifndef LIBS_MYSQL_SQL_TIME_H_
#define LIBS_MYSQL_SQL_TIME_H_

#include <cppconn/resultset.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::mysql {

// `t` as a DATETIME/TIMESTAMP literal in UTC with microseconds ("2024-05-01 12:00:00.000000"),
// clamped to the range DATETIME can hold. The connection's time zone is UTC.
std::string ToSqlTime(absl::Time t);

// Parses UNIX_TIMESTAMP(column) as returned by the server ("1714564800.123456"; a value
// without fraction is accepted too).
absl::StatusOr<absl::Time> ParseUnixTimestamp(absl::string_view text);

// Column `column` (1-based) of the current row of `row`: a UNIX_TIMESTAMP() value, parsed by
// ParseUnixTimestamp().
absl::StatusOr<absl::Time> ReadUnixTimestamp(const sql::ResultSet& row, uint32_t column);
// The same for a column that may be NULL: nullopt if it is.
absl::StatusOr<std::optional<absl::Time>> ReadOptionalUnixTimestamp(const sql::ResultSet& row,
                                                                    uint32_t column);

}  // namespace auth::mysql

#endif  // LIBS_MYSQL_SQL_TIME_H_
