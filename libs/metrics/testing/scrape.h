// Test helpers for the metrics endpoint: fetch /metrics over plain HTTP and read one sample
// from the Prometheus text format.
//
//   ASSERT_OK_AND_ASSIGN(std::string text, ScrapeMetrics(port));
//   EXPECT_THAT(SampleValue(text, R"(auth_rpc_calls_total{code="OK",method="Login"})"),
//               Optional(1.0));
#ifndef LIBS_METRICS_TESTING_SCRAPE_H_
#define LIBS_METRICS_TESTING_SCRAPE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::metrics_testing {

// GET http://127.0.0.1:`port``path` with HTTP/1.0; the body of a 200 answer, else an error
// naming the status line.
absl::StatusOr<std::string> ScrapeMetrics(int port, absl::string_view path = "/metrics");

// The value of the sample whose name and labels are exactly `series`, or nullopt if it is
// absent. Labels go in the order the exposition writes them: prometheus-cpp sorts them by
// name, except a histogram bucket's `le`, which comes last.
std::optional<double> SampleValue(absl::string_view exposition, absl::string_view series);

}  // namespace auth::metrics_testing

#endif  // LIBS_METRICS_TESTING_SCRAPE_H_
