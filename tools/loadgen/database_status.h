// The database server's own counters around a measurement window: how many statements
// (round trips) and commits each call cost, from MariaDB's SHOW GLOBAL STATUS.
//
//   absl::StatusOr<StatusCounters> before = ReadStatusCounters(command);
//   ... load ...
//   absl::StatusOr<StatusCounters> after = ReadStatusCounters(command);
//   StatusCounters per_call = PerCall(*before, *after, calls);  // {"Questions": 4.02, ...}
//
// `command` is a shell command that prints "Name<TAB>Value" lines, e.g.
//   mariadb -N -B -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions','Handler_commit')"
// The counters are the whole server's: run nothing else against it during the window.
#ifndef TOOLS_LOADGEN_DATABASE_STATUS_H_
#define TOOLS_LOADGEN_DATABASE_STATUS_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::loadgen {

// Counter name -> value.
using StatusCounters = std::map<std::string, double>;

// Parses "Name<TAB or spaces>Value" lines; lines without a numeric value are skipped.
StatusCounters ParseStatusCounters(absl::string_view text);

// Runs `command` (through /bin/sh) and parses its output. kUnavailable if it fails or prints
// no counter.
absl::StatusOr<StatusCounters> ReadStatusCounters(const std::string& command);

// (after - before) / calls for every counter in both; empty if `calls` is 0.
StatusCounters PerCall(const StatusCounters& before, const StatusCounters& after, int64_t calls);

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_DATABASE_STATUS_H_
