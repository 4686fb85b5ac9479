// MetricsExposer: serves a PrometheusAuthMetrics over HTTP (GET /metrics, Prometheus text
// format) on its own address, apart from the gRPC port, with prometheus-cpp's civetweb exposer.
//
//   absl::StatusOr<std::unique_ptr<MetricsExposer>> exposer =
//       MetricsExposer::Start("127.0.0.1:9464", metrics);  // ":0" picks a free port
//   if (!exposer.ok()) return exposer.status();
//   LOG(INFO) << "metrics on port " << (*exposer)->port();
//
// Plain HTTP without authentication: bind it to loopback or a private network.
#ifndef LIBS_METRICS_METRICS_EXPOSER_H_
#define LIBS_METRICS_METRICS_EXPOSER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/metrics/prometheus_auth_metrics.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace auth::metrics {

class MetricsExposer {
 public:
  // Listens on `listen` ("host:port", "[v6]:port"; port 0 picks one) and serves `metrics`,
  // which must outlive the exposer. kInvalidArgument for a malformed address, kUnavailable if
  // it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsExposer>> Start(absl::string_view listen,
                                                               PrometheusAuthMetrics& metrics);

  // Stops serving; returns after in-flight scrapes finish.
  ~MetricsExposer();

  MetricsExposer(const MetricsExposer&) = delete;
  MetricsExposer& operator=(const MetricsExposer&) = delete;

  // The bound port (the chosen one when started with port 0).
  int port() const { return port_; }

 private:
  MetricsExposer(std::unique_ptr<prometheus::Exposer> exposer,
                 std::shared_ptr<prometheus::Collectable> collectable, int port);

  std::unique_ptr<prometheus::Exposer> exposer_;
  // The exposer holds only a weak reference.
  std::shared_ptr<prometheus::Collectable> collectable_;
  int port_;
};

}  // namespace auth::metrics

#endif  // LIBS_METRICS_METRICS_EXPOSER_H_
