// MetricsExposer; see metrics_exposer.h.
#include "libs/metrics/metrics_exposer.h"

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"

namespace auth::metrics {
namespace {

// Civetweb's listening_ports syntax is host:port as well, but it reads a bare number as a port
// on every interface and a trailing 's' or 'r' as TLS or redirect; insist on host:port.
absl::Status CheckListenAddress(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address must be host:port, got \"", listen, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsExposer>> MetricsExposer::Start(
    absl::string_view listen, PrometheusAuthMetrics& metrics) {
  if (absl::Status valid = CheckListenAddress(listen); !valid.ok()) return valid;
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // Two threads: scrapes are rare and quick.
    exposer = std::make_unique<prometheus::Exposer>(std::string(listen), /*num_threads=*/2);
  } catch (const std::exception& e) {
    // Civetweb's message names the address and the socket error; nothing secret.
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", listen, ": ", e.what()));
  }
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", listen));
  }
  std::shared_ptr<prometheus::Collectable> collectable = metrics.collectable();
  exposer->RegisterCollectable(collectable);
  return std::unique_ptr<MetricsExposer>(
      new MetricsExposer(std::move(exposer), std::move(collectable), ports.front()));
}

MetricsExposer::MetricsExposer(std::unique_ptr<prometheus::Exposer> exposer,
                               std::shared_ptr<prometheus::Collectable> collectable, int port)
    : exposer_(std::move(exposer)), collectable_(std::move(collectable)), port_(port) {}

MetricsExposer::~MetricsExposer() = default;

}  // namespace auth::metrics
