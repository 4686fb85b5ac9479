// Resource use of another process on this machine, read from /proc: CPU time, resident set
// size and its peak. The load generator samples the server it loads with these.
//
//   absl::StatusOr<ProcessSample> before = SampleProcess(pid);
//   ... load ...
//   absl::StatusOr<ProcessSample> after = SampleProcess(pid);
//   double cpu_s = after->cpu_seconds - before->cpu_seconds;
#ifndef TOOLS_LOADGEN_PROC_STATS_H_
#define TOOLS_LOADGEN_PROC_STATS_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::loadgen {

struct ProcessSample {
  double cpu_seconds = 0;    // utime + stime, all threads
  int64_t rss_kib = 0;       // VmRSS
  int64_t peak_rss_kib = 0;  // VmHWM
};

// CPU time of the whole machine, from the first line of /proc/stat, in seconds summed over cores.
struct MachineSample {
  double busy_seconds = 0;  // everything but idle and iowait
  double total_seconds = 0;
};

// Reads /proc/stat.
absl::StatusOr<MachineSample> SampleMachine();

// Parses the "cpu ..." line of /proc/stat's contents.
absl::StatusOr<MachineSample> ParseMachineStat(absl::string_view proc_stat);

// Reads /proc/<pid>/stat and /proc/<pid>/status.
absl::StatusOr<ProcessSample> SampleProcess(pid_t pid);

// Resets VmHWM to the current RSS (writes "5" to /proc/<pid>/clear_refs), so a later sample's
// peak covers only what follows. Needs the same user as the process (or root).
absl::Status ResetPeakRss(pid_t pid);

// utime + stime in clock ticks, from the contents of /proc/<pid>/stat.
absl::StatusOr<int64_t> ParseStatCpuTicks(absl::string_view stat);

// The value in KiB of a "Name:   1234 kB" line of /proc/<pid>/status.
absl::StatusOr<int64_t> ParseStatusKib(absl::string_view status, absl::string_view name);

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_PROC_STATS_H_
