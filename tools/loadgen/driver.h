// The load loops: closed loop (C calls always in flight), open loop (calls started at a fixed
// rate whatever the answers), and burst (exactly N calls at once), each over a Workload that
// knows how to start one call.
//
//   LoadOptions options;
//   options.concurrency = 64;
//   options.warmup = absl::Seconds(2);
//   options.duration = absl::Seconds(10);
//   LoadResult result = RunLoad(workload, options);
//
// Only calls that complete inside the measurement window (after the warm-up) are recorded, and
// latencies are measured from when a call was due to start: in the open loop that is its slot in
// the schedule, so a slow server cannot hide its queueing by slowing the client down (no
// coordinated omission). Every loop stops by itself: calls stop being issued at the end of the
// window (or of the duration bound, for a burst), and the run waits at most one call deadline
// more for the stragglers.
#ifndef TOOLS_LOADGEN_DRIVER_H_
#define TOOLS_LOADGEN_DRIVER_H_

#include <cstdint>
#include <functional>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "tools/loadgen/stats.h"

namespace auth::loadgen {

// Reports one call's outcome: its status, and whether an OK response passed the scenario's
// checks (ignored when the status is not OK).
using CallDone = std::function<void(const grpc::Status& status, bool well_formed)>;

// The calls of one scenario.
class Workload {
 public:
  virtual ~Workload() = default;

  // Starts one call from load slot `slot` (0 <= slot < concurrency; scenarios use it to pick a
  // connection) with `deadline`, and makes sure `done` runs exactly once when the call completes,
  // on any thread. Returns false, without calling `done`, when there is nothing left to send
  // (e.g. every prepared token has been used).
  virtual bool Start(int slot, absl::Time deadline, CallDone done) = 0;
};

// The error key of an open-loop call that was due but not sent: `concurrency` calls were
// already in flight.
inline constexpr char kNotSent[] = "NOT_SENT";

struct LoadOptions {
  // Closed loop and burst: calls in flight. Open loop: most calls in flight.
  int concurrency = 64;
  absl::Duration warmup = absl::Seconds(2);
  // The measurement window; for a burst, a bound on the whole run.
  absl::Duration duration = absl::Seconds(10);
  // Open loop: calls per second. 0: closed loop.
  double rate = 0;
  // Burst: send exactly this many calls (at most `concurrency` at a time), record them all, no
  // warm-up. 0: not a burst.
  int64_t total_calls = 0;
  // Each call's deadline, from when it was due.
  absl::Duration deadline = absl::Seconds(5);
  // Called (on the driver's thread) when the measurement window opens and closes.
  std::function<void()> on_window_start;
  std::function<void()> on_window_end;
};

struct LoadResult {
  Totals totals;
  absl::Duration window;  // how long the measurement window actually lasted
  bool ran_dry = false;   // the workload ran out of calls before the window ended
};

// Runs `workload` as `options` say and returns what was recorded. `workload` must outlive any
// call it started (the run returns after every call completed, or one deadline after the
// window, whichever is first).
LoadResult RunLoad(Workload& workload, const LoadOptions& options);

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_DRIVER_H_
