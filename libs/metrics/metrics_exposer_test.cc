#include "libs/metrics/metrics_exposer.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/metrics/auth_metrics.h"
#include "libs/metrics/prometheus_auth_metrics.h"
#include "libs/metrics/testing/scrape.h"
#include "libs/testing/status_matchers.h"

namespace auth::metrics {
namespace {

using ::auth::metrics_testing::SampleValue;
using ::auth::metrics_testing::ScrapeMetrics;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

TEST(MetricsExposerTest, ServesTheMetricsOverHttpOnAChosenPort) {
  PrometheusAuthMetrics metrics;
  int scrapes = 0;
  metrics.AddScrapeHook([&] { metrics.SetHashingQueueDepth(++scrapes); });
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetricsExposer> exposer,
                       MetricsExposer::Start("127.0.0.1:0", metrics));
  ASSERT_GT(exposer->port(), 0);

  metrics.RecordCall(Rpc::kRegister, absl::StatusCode::kOk, absl::Milliseconds(40));
  ASSERT_OK_AND_ASSIGN(std::string text, ScrapeMetrics(exposer->port()));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_calls_total{code="OK",method="Register"})"),
              Optional(1.0));
  EXPECT_THAT(SampleValue(text, "auth_hashing_queue_depth"), Optional(1.0));

  metrics.RecordCall(Rpc::kRegister, absl::StatusCode::kOk, absl::Milliseconds(40));
  ASSERT_OK_AND_ASSIGN(text, ScrapeMetrics(exposer->port()));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_calls_total{code="OK",method="Register"})"),
              Optional(2.0));
  EXPECT_THAT(SampleValue(text, "auth_hashing_queue_depth"), Optional(2.0));
}

TEST(MetricsExposerTest, OnlyMetricsIsServed) {
  PrometheusAuthMetrics metrics;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetricsExposer> exposer,
                       MetricsExposer::Start("127.0.0.1:0", metrics));
  EXPECT_THAT(ScrapeMetrics(exposer->port(), "/"), StatusIs(absl::StatusCode::kInternal));
}

TEST(MetricsExposerTest, PortInUseIsUnavailable) {
  PrometheusAuthMetrics metrics;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetricsExposer> first,
                       MetricsExposer::Start("127.0.0.1:0", metrics));
  EXPECT_THAT(MetricsExposer::Start(absl::StrCat("127.0.0.1:", first->port()), metrics),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(MetricsExposerTest, MalformedAddressesAreRefused) {
  PrometheusAuthMetrics metrics;
  for (const char* listen :
       {"", "9464", ":9464", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000", "127.0.0.1:9464s"}) {
    EXPECT_THAT(MetricsExposer::Start(listen, metrics),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << listen;
  }
}

TEST(MetricsExposerTest, StopsServingWhenDestroyed) {
  PrometheusAuthMetrics metrics;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetricsExposer> exposer,
                       MetricsExposer::Start("127.0.0.1:0", metrics));
  const int port = exposer->port();
  exposer.reset();
  EXPECT_THAT(ScrapeMetrics(port), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace auth::metrics
