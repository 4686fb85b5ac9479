// NoopAuthMetrics: AuthMetrics that records nothing, for servers run without --metrics_listen
// and for tests that do not look at metrics.
#ifndef LIBS_METRICS_NOOP_AUTH_METRICS_H_
#define LIBS_METRICS_NOOP_AUTH_METRICS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/metrics/auth_metrics.h"

namespace auth::metrics {

class NoopAuthMetrics final : public AuthMetrics {
 public:
  // A shared instance; it has no state, so any number of users may share it.
  static NoopAuthMetrics& Get() {
    static NoopAuthMetrics* const instance = new NoopAuthMetrics();
    return *instance;
  }

  void RecordCall(Rpc, absl::StatusCode, absl::Duration) override {}
  void RecordHashingWait(absl::Duration) override {}
  void RecordDatabaseBatch(Rpc, int64_t) override {}
  void SetHashingQueueDepth(int64_t) override {}
  void SetDbPoolStats(const DbPoolStats&) override {}
  void RecordSessionsCreated(int64_t) override {}
  void RecordSessionsRevoked(int64_t) override {}
  void RecordRefreshReuseDetected() override {}
};

}  // namespace auth::metrics

#endif  // LIBS_METRICS_NOOP_AUTH_METRICS_H_
