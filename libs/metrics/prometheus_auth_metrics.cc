// PrometheusAuthMetrics; see prometheus_auth_metrics.h.
#include "libs/metrics/prometheus_auth_metrics.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace auth::metrics {
namespace {

// Seconds. RPCs range from microseconds (GetJwks) through ~20 ms per Argon2 hash to the 10 s
// default --max_call_duration.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

// Seconds. An idle executor hands a task over in tens of microseconds; a saturated one makes
// it wait for the hashes queued ahead of it.
const prometheus::Histogram::BucketBoundaries& WaitBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

// Calls per batch: 1 at low load, up to the service's --max_database_batch (32) under load.
const prometheus::Histogram::BucketBoundaries& BatchBuckets() {
  static const auto* const buckets =
      new prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64};
  return *buckets;
}

int CodeIndex(absl::StatusCode code) {
  const int index = static_cast<int>(code);
  if (index < 0 || index >= PrometheusAuthMetrics::kCodeCount) {
    return static_cast<int>(absl::StatusCode::kUnknown);
  }
  return index;
}

}  // namespace

// Runs the scrape hooks before each collection, so sampled gauges are fresh when served.
class PrometheusAuthMetrics::HookedCollectable : public prometheus::Collectable {
 public:
  explicit HookedCollectable(std::shared_ptr<prometheus::Registry> registry)
      : registry_(std::move(registry)) {}

  void AddHook(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    hooks_.push_back(std::move(hook));
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    {
      // One collection's hooks at a time: an exposer may serve two scrapes concurrently.
      std::lock_guard<std::mutex> lock(mu_);
      for (const std::function<void()>& hook : hooks_) hook();
    }
    return registry_->Collect();
  }

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  mutable std::mutex mu_;
  std::vector<std::function<void()>> hooks_;  // guarded by mu_
};

PrometheusAuthMetrics::PrometheusAuthMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      collectable_(std::make_shared<HookedCollectable>(registry_)) {
  auto& calls = prometheus::BuildCounter()
                    .Name("auth_rpc_calls_total")
                    .Help("Finished AuthService calls by method and gRPC status code.")
                    .Register(*registry_);
  auto& latency = prometheus::BuildHistogram()
                      .Name("auth_rpc_latency_seconds")
                      .Help("AuthService call latency from arrival to answer, by method.")
                      .Register(*registry_);
  for (int rpc = 0; rpc < kRpcCount; ++rpc) {
    const std::string method(RpcName(static_cast<Rpc>(rpc)));
    for (int code = 0; code < kCodeCount; ++code) {
      calls_[rpc][code] =
          &calls.Add({{"method", method},
                      {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}});
    }
    latency_[rpc] = &latency.Add({{"method", method}}, LatencyBuckets());
  }
  auto& batch_calls = prometheus::BuildHistogram()
                          .Name("auth_db_batch_calls")
                          .Help("Calls answered together by one database round trip, by method.")
                          .Register(*registry_);
  for (int rpc = 0; rpc < kRpcCount; ++rpc) {
    db_batch_calls_[rpc] =
        &batch_calls.Add({{"method", std::string(RpcName(static_cast<Rpc>(rpc)))}}, BatchBuckets());
  }

  hashing_queue_depth_ = &prometheus::BuildGauge()
                              .Name("auth_hashing_queue_depth")
                              .Help("Tasks waiting for a password hashing worker.")
                              .Register(*registry_)
                              .Add({});
  hashing_wait_ = &prometheus::BuildHistogram()
                       .Name("auth_hashing_wait_seconds")
                       .Help("Time hashing tasks waited in the queue for a worker.")
                       .Register(*registry_)
                       .Add({}, WaitBuckets());
  pool_open_ = &prometheus::BuildGauge()
                    .Name("auth_db_pool_connections_open")
                    .Help("Database connections open: idle, leased or being opened.")
                    .Register(*registry_)
                    .Add({});
  pool_in_use_ = &prometheus::BuildGauge()
                      .Name("auth_db_pool_connections_in_use")
                      .Help("Database connections leased from the pool.")
                      .Register(*registry_)
                      .Add({});
  pool_waiting_ = &prometheus::BuildGauge()
                       .Name("auth_db_pool_waiting")
                       .Help("Callers waiting for a database connection.")
                       .Register(*registry_)
                       .Add({});
  db_errors_ = &prometheus::BuildCounter()
                    .Name("auth_db_errors_total")
                    .Help(
                        "Failed database connects, connection wait timeouts and connections "
                        "that broke in use.")
                    .Register(*registry_)
                    .Add({});
  sessions_created_ = &prometheus::BuildCounter()
                           .Name("auth_sessions_created_total")
                           .Help("Sessions opened by Login and RefreshToken.")
                           .Register(*registry_)
                           .Add({});
  sessions_revoked_ = &prometheus::BuildCounter()
                           .Name("auth_sessions_revoked_total")
                           .Help("Sessions ended by Logout.")
                           .Register(*registry_)
                           .Add({});
  refresh_reuse_detected_ =
      &prometheus::BuildCounter()
           .Name("auth_refresh_reuse_detected_total")
           .Help("Rotated refresh tokens presented again; each revoked its session family.")
           .Register(*registry_)
           .Add({});
}

PrometheusAuthMetrics::~PrometheusAuthMetrics() = default;

void PrometheusAuthMetrics::AddScrapeHook(std::function<void()> hook) {
  collectable_->AddHook(std::move(hook));
}

std::shared_ptr<prometheus::Collectable> PrometheusAuthMetrics::collectable() const {
  return collectable_;
}

std::string PrometheusAuthMetrics::TextFormat() const {
  return prometheus::TextSerializer().Serialize(collectable_->Collect());
}

void PrometheusAuthMetrics::RecordCall(Rpc rpc, absl::StatusCode code, absl::Duration latency) {
  const int index = static_cast<int>(rpc);
  if (index < 0 || index >= kRpcCount) return;
  calls_[index][CodeIndex(code)]->Increment();
  latency_[index]->Observe(absl::ToDoubleSeconds(latency));
}

void PrometheusAuthMetrics::RecordDatabaseBatch(Rpc rpc, int64_t calls) {
  db_batch_calls_[static_cast<int>(rpc)]->Observe(static_cast<double>(calls));
}

void PrometheusAuthMetrics::RecordHashingWait(absl::Duration wait) {
  hashing_wait_->Observe(absl::ToDoubleSeconds(wait));
}

void PrometheusAuthMetrics::SetHashingQueueDepth(int64_t depth) {
  hashing_queue_depth_->Set(static_cast<double>(depth));
}

void PrometheusAuthMetrics::SetDbPoolStats(const DbPoolStats& stats) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_open_->Set(static_cast<double>(stats.open));
  pool_in_use_->Set(static_cast<double>(stats.in_use));
  pool_waiting_->Set(static_cast<double>(stats.waiting));
  // The pool counts errors itself; advance the counter to its total. (Increment ignores a
  // negative amount, so a sample that arrives late never moves the counter back.)
  db_errors_->Increment(static_cast<double>(stats.errors) - db_errors_->Value());
}

void PrometheusAuthMetrics::RecordSessionsCreated(int64_t count) {
  sessions_created_->Increment(static_cast<double>(count));
}

void PrometheusAuthMetrics::RecordSessionsRevoked(int64_t count) {
  sessions_revoked_->Increment(static_cast<double>(count));
}

void PrometheusAuthMetrics::RecordRefreshReuseDetected() { refresh_reuse_detected_->Increment(); }

}  // namespace auth::metrics
