// Statistics of a load run: per-call outcomes, latency percentiles, and the one-line JSON
// summary the load generator prints.
//
//   Recorder recorder;
//   recorder.Record(grpc::StatusCode::OK, /*well_formed=*/true, absl::Microseconds(850));
//   RunSummary summary = ...;            // scenario, concurrency, window
//   summary.totals = recorder.Snapshot();
//   std::cout << SummaryJson(summary) << "\n";
//
// Latency percentiles are computed over the calls that succeeded, by nearest rank on the exact
// recorded values (no histogram buckets): at the rates one machine sustains, a run records at
// most a few hundred thousand calls, which sort in milliseconds.
#ifndef TOOLS_LOADGEN_STATS_H_
#define TOOLS_LOADGEN_STATS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/support/status_code_enum.h"

namespace auth::loadgen {

// The error key of a call that returned OK with a response that fails the scenario's checks.
inline constexpr char kBadResponse[] = "BAD_RESPONSE";

// "OK", "DEADLINE_EXCEEDED", ...: the canonical name of a gRPC status code.
std::string StatusCodeName(grpc::StatusCode code);

// Nearest-rank percentile (0 < p <= 100) of `sorted` (ascending); 0 when it is empty.
int64_t Percentile(const std::vector<int64_t>& sorted, double p);

struct LatencySummary {
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// Summarizes latencies in microseconds (any order).
LatencySummary SummarizeLatencies(std::vector<int64_t> latencies_us);

// What a run recorded.
struct Totals {
  int64_t calls = 0;                      // every recorded call
  int64_t ok = 0;                         // OK and well formed
  std::map<std::string, int64_t> errors;  // by status code name, or kBadResponse
  std::vector<int64_t> ok_latencies_us;   // of the `ok` calls
};

// Thread-safe sink of call outcomes. gRPC's callback threads record concurrently; one mutex is
// plenty at the tens of thousands of calls per second a loopback run makes.
class Recorder {
 public:
  void Record(grpc::StatusCode code, bool well_formed, absl::Duration latency);
  // A call that failed without a gRPC status (e.g. kNotSent of the open loop).
  void RecordError(const std::string& key);
  Totals Snapshot() const;

 private:
  mutable std::mutex mutex_;
  Totals totals_;
};

// Resource use of the server process during the measurement window.
struct ServerUsage {
  double cpu_ms_per_call = 0;  // (utime + stime) delta / recorded calls
  double cpu_seconds = 0;      // (utime + stime) delta
  int64_t rss_kib = 0;         // VmRSS at the end of the window
  int64_t peak_rss_kib = 0;    // VmHWM, reset at the start of the window
};

// How the machine's cores were spent during the window: CPU seconds / window seconds. On a
// small machine the client and the database share the cores with the server; `others` is
// whatever else ran (builds, tests), which makes a measurement suspect.
struct CoreUse {
  double busy = 0;  // the whole machine: all but idle and iowait
  double server = 0;
  double client = 0;
  double database = 0;
  double others() const { return busy - server - client - database; }
};

// Everything one summary line says.
struct RunSummary {
  std::string scenario;
  std::string label;  // free-form name of this run (e.g. "flood"); omitted when empty
  std::string mode;   // "closed", "open" or "burst"
  int concurrency = 0;
  int connections = 0;
  double rate = 0;  // target calls/s of the open loop
  double warmup_s = 0;
  double duration_s = 0;  // the measurement window
  double deadline_s = 0;
  bool ran_dry = false;  // the scenario ran out of prepared work before the window ended
  Totals totals;
  std::optional<ServerUsage> server;
  // The load generator's own CPU per call, and the database server's (when its pid is known).
  std::optional<double> client_cpu_ms_per_call;
  std::optional<double> database_cpu_ms_per_call;
  // The database server's status counters per call (Questions: statements, i.e. round trips;
  // Handler_commit: commits; Com_*: by kind), when loadgen was told how to read them.
  std::map<std::string, double> database_per_call;
  std::optional<CoreUse> cores;
};

// One line of JSON (no trailing newline): the fields of `summary`, qps = ok / duration_s, and
// latency percentiles in milliseconds.
std::string SummaryJson(const RunSummary& summary);

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_STATS_H_
