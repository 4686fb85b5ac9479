// MockAuthMetrics: a gMock AuthMetrics, for tests that check what code under test records.
#ifndef LIBS_METRICS_AUTH_METRICS_MOCK_H_
#define LIBS_METRICS_AUTH_METRICS_MOCK_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/metrics/auth_metrics.h"

namespace auth::metrics {

class MockAuthMetrics : public AuthMetrics {
 public:
  MOCK_METHOD(void, RecordCall, (Rpc rpc, absl::StatusCode code, absl::Duration latency),
              (override));
  MOCK_METHOD(void, RecordHashingWait, (absl::Duration wait), (override));
  MOCK_METHOD(void, RecordDatabaseBatch, (Rpc rpc, int64_t calls), (override));
  MOCK_METHOD(void, SetHashingQueueDepth, (int64_t depth), (override));
  MOCK_METHOD(void, SetDbPoolStats, (const DbPoolStats& stats), (override));
  MOCK_METHOD(void, RecordSessionsCreated, (int64_t count), (override));
  MOCK_METHOD(void, RecordSessionsRevoked, (int64_t count), (override));
  MOCK_METHOD(void, RecordRefreshReuseDetected, (), (override));
};

}  // namespace auth::metrics

#endif  // LIBS_METRICS_AUTH_METRICS_MOCK_H_
