// PrometheusAuthMetrics: AuthMetrics kept in a prometheus-cpp registry, for MetricsExposer
// (metrics_exposer.h) to serve.
//
//   PrometheusAuthMetrics metrics;
//   metrics.AddScrapeHook([&] { metrics.SetHashingQueueDepth(hashing.queued()); });
//   absl::StatusOr<std::unique_ptr<MetricsExposer>> exposer =
//       MetricsExposer::Start("127.0.0.1:9464", metrics);
//
// The series:
//   auth_rpc_calls_total{method,code}      counter, every method x gRPC code from the start
//   auth_rpc_latency_seconds{method}       histogram
//   auth_hashing_queue_depth               gauge (sampled at scrape)
//   auth_hashing_wait_seconds              histogram: queue wait of hashing tasks
//   auth_db_batch_calls{method}            histogram: calls answered per database round trip
//   auth_db_pool_connections_open          gauge (sampled at scrape)
//   auth_db_pool_connections_in_use        gauge (sampled at scrape)
//   auth_db_pool_waiting                   gauge (sampled at scrape)
//   auth_db_errors_total                   counter: failed connects, acquire timeouts, broken
//   auth_sessions_created_total            counter
//   auth_sessions_revoked_total            counter
//   auth_refresh_reuse_detected_total      counter
//
// Every labelled series is created by the constructor and its address kept in an array, so
// recording is an index and an atomic add (a histogram takes prometheus-cpp's per-series
// mutex), never a label lookup; series at zero are exported too, so rates start from zero.
#ifndef LIBS_METRICS_PROMETHEUS_AUTH_METRICS_H_
#define LIBS_METRICS_PROMETHEUS_AUTH_METRICS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/metrics/auth_metrics.h"

namespace prometheus {
class Collectable;
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace auth::metrics {

class PrometheusAuthMetrics final : public AuthMetrics {
 public:
  // The gRPC status codes, OK (0) to UNAUTHENTICATED (16); others count as UNKNOWN.
  static constexpr int kCodeCount = 17;

  PrometheusAuthMetrics();
  ~PrometheusAuthMetrics() override;

  PrometheusAuthMetrics(const PrometheusAuthMetrics&) = delete;
  PrometheusAuthMetrics& operator=(const PrometheusAuthMetrics&) = delete;

  // Adds `hook` to what runs before every collection (scrape), to refresh the sampled gauges
  // (queue depth, pool). Hooks run on the exposer's threads, one collection at a time.
  void AddScrapeHook(std::function<void()> hook);

  // What an exposer serves: collecting it runs the scrape hooks, then reads the registry.
  std::shared_ptr<prometheus::Collectable> collectable() const;

  // Everything in the Prometheus text exposition format, as a scrape would return it.
  std::string TextFormat() const;

  void RecordCall(Rpc rpc, absl::StatusCode code, absl::Duration latency) override;
  void RecordHashingWait(absl::Duration wait) override;
  void RecordDatabaseBatch(Rpc rpc, int64_t calls) override;
  void SetHashingQueueDepth(int64_t depth) override;
  void SetDbPoolStats(const DbPoolStats& stats) override;
  void RecordSessionsCreated(int64_t count) override;
  void RecordSessionsRevoked(int64_t count) override;
  void RecordRefreshReuseDetected() override;

 private:
  class HookedCollectable;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<HookedCollectable> collectable_;

  // Series, owned by registry_'s families.
  std::array<std::array<prometheus::Counter*, kCodeCount>, kRpcCount> calls_{};
  std::array<prometheus::Histogram*, kRpcCount> latency_{};
  prometheus::Gauge* hashing_queue_depth_ = nullptr;
  prometheus::Histogram* hashing_wait_ = nullptr;
  std::array<prometheus::Histogram*, kRpcCount> db_batch_calls_{};
  prometheus::Gauge* pool_open_ = nullptr;
  prometheus::Gauge* pool_in_use_ = nullptr;
  prometheus::Gauge* pool_waiting_ = nullptr;
  prometheus::Counter* db_errors_ = nullptr;
  // Serializes SetDbPoolStats(), which reads db_errors_ before advancing it.
  std::mutex pool_mu_;
  prometheus::Counter* sessions_created_ = nullptr;
  prometheus::Counter* sessions_revoked_ = nullptr;
  prometheus::Counter* refresh_reuse_detected_ = nullptr;
};

}  // namespace auth::metrics

#endif  // LIBS_METRICS_PROMETHEUS_AUTH_METRICS_H_
