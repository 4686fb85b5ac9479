#include "libs/metrics/prometheus_auth_metrics.h"

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/metrics/auth_metrics.h"
#include "libs/metrics/auth_metrics_mock.h"
#include "libs/metrics/noop_auth_metrics.h"
#include "libs/metrics/testing/scrape.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace auth::metrics {
namespace {

using ::auth::metrics_testing::SampleValue;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr char kLoginOk[] = R"(auth_rpc_calls_total{code="OK",method="Login"})";

TEST(PrometheusAuthMetricsTest, EveryMethodAndCodeStartsAtZero) {
  PrometheusAuthMetrics metrics;
  const std::string text = metrics.TextFormat();
  EXPECT_THAT(SampleValue(text, kLoginOk), Optional(0.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_calls_total{code="UNAUTHENTICATED",method="GetJwks"})"),
              Optional(0.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_latency_seconds_count{method="RefreshToken"})"),
              Optional(0.0));
  EXPECT_THAT(SampleValue(text, "auth_sessions_created_total"), Optional(0.0));
  EXPECT_THAT(text, HasSubstr("# TYPE auth_rpc_latency_seconds histogram"));
}

TEST(PrometheusAuthMetricsTest, RecordCallCountsByMethodAndCode) {
  PrometheusAuthMetrics metrics;
  metrics.RecordCall(Rpc::kLogin, absl::StatusCode::kOk, absl::Milliseconds(30));
  metrics.RecordCall(Rpc::kLogin, absl::StatusCode::kOk, absl::Milliseconds(3));
  metrics.RecordCall(Rpc::kLogin, absl::StatusCode::kUnauthenticated, absl::Milliseconds(25));
  metrics.RecordCall(Rpc::kRegister, absl::StatusCode::kAlreadyExists, absl::Seconds(2));

  const std::string text = metrics.TextFormat();
  EXPECT_THAT(SampleValue(text, kLoginOk), Optional(2.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_calls_total{code="UNAUTHENTICATED",method="Login"})"),
              Optional(1.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_calls_total{code="ALREADY_EXISTS",method="Register"})"),
              Optional(1.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_calls_total{code="OK",method="Register"})"),
              Optional(0.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_latency_seconds_count{method="Login"})"),
              Optional(3.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_latency_seconds_sum{method="Login"})"),
              Optional(::testing::DoubleNear(0.058, 1e-9)));
  // Buckets are cumulative: 3 ms counts from le=0.005, 25 ms from le=0.025, 30 ms from le=0.05.
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_latency_seconds_bucket{method="Login",le="0.005"})"),
              Optional(1.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_latency_seconds_bucket{method="Login",le="0.025"})"),
              Optional(2.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_latency_seconds_bucket{method="Login",le="0.05"})"),
              Optional(3.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_latency_seconds_bucket{method="Register",le="+Inf"})"),
              Optional(1.0));
}

TEST(PrometheusAuthMetricsTest, CodeOutsideTheGrpcRangeCountsAsUnknown) {
  PrometheusAuthMetrics metrics;
  metrics.RecordCall(Rpc::kLogout, static_cast<absl::StatusCode>(99), absl::ZeroDuration());
  EXPECT_THAT(
      SampleValue(metrics.TextFormat(), R"(auth_rpc_calls_total{code="UNKNOWN",method="Logout"})"),
      Optional(1.0));
}

TEST(PrometheusAuthMetricsTest, SessionAndReuseCounters) {
  PrometheusAuthMetrics metrics;
  metrics.RecordSessionsCreated(1);
  metrics.RecordSessionsCreated(1);
  metrics.RecordSessionsRevoked(3);
  metrics.RecordRefreshReuseDetected();
  const std::string text = metrics.TextFormat();
  EXPECT_THAT(SampleValue(text, "auth_sessions_created_total"), Optional(2.0));
  EXPECT_THAT(SampleValue(text, "auth_sessions_revoked_total"), Optional(3.0));
  EXPECT_THAT(SampleValue(text, "auth_refresh_reuse_detected_total"), Optional(1.0));
}

TEST(PrometheusAuthMetricsTest, DatabaseBatchSizesByMethod) {
  PrometheusAuthMetrics metrics;
  metrics.RecordDatabaseBatch(Rpc::kValidateToken, 1);
  metrics.RecordDatabaseBatch(Rpc::kValidateToken, 12);
  metrics.RecordDatabaseBatch(Rpc::kLogout, 3);
  const std::string text = metrics.TextFormat();
  EXPECT_THAT(SampleValue(text, R"(auth_db_batch_calls_count{method="ValidateToken"})"),
              Optional(2.0));
  EXPECT_THAT(SampleValue(text, R"(auth_db_batch_calls_sum{method="ValidateToken"})"),
              Optional(13.0));
  EXPECT_THAT(SampleValue(text, R"(auth_db_batch_calls_bucket{method="ValidateToken",le="8"})"),
              Optional(1.0));
  EXPECT_THAT(SampleValue(text, R"(auth_db_batch_calls_count{method="Logout"})"), Optional(1.0));
  EXPECT_THAT(SampleValue(text, R"(auth_db_batch_calls_count{method="Register"})"), Optional(0.0));
}

TEST(PrometheusAuthMetricsTest, HashingQueueDepthAndWait) {
  PrometheusAuthMetrics metrics;
  metrics.SetHashingQueueDepth(7);
  metrics.RecordHashingWait(absl::Milliseconds(2));
  const std::string text = metrics.TextFormat();
  EXPECT_THAT(SampleValue(text, "auth_hashing_queue_depth"), Optional(7.0));
  EXPECT_THAT(SampleValue(text, "auth_hashing_wait_seconds_count"), Optional(1.0));
  EXPECT_THAT(SampleValue(text, R"(auth_hashing_wait_seconds_bucket{le="0.001"})"), Optional(0.0));
  EXPECT_THAT(SampleValue(text, R"(auth_hashing_wait_seconds_bucket{le="0.0025"})"), Optional(1.0));
}

TEST(PrometheusAuthMetricsTest, PoolErrorsFollowTheCumulativeTotalAndNeverDecrease) {
  PrometheusAuthMetrics metrics;
  metrics.SetDbPoolStats({.open = 5, .in_use = 3, .waiting = 2, .errors = 4});
  std::string text = metrics.TextFormat();
  EXPECT_THAT(SampleValue(text, "auth_db_pool_connections_open"), Optional(5.0));
  EXPECT_THAT(SampleValue(text, "auth_db_pool_connections_in_use"), Optional(3.0));
  EXPECT_THAT(SampleValue(text, "auth_db_pool_waiting"), Optional(2.0));
  EXPECT_THAT(SampleValue(text, "auth_db_errors_total"), Optional(4.0));

  metrics.SetDbPoolStats({.open = 5, .in_use = 1, .waiting = 0, .errors = 6});
  metrics.SetDbPoolStats({.open = 5, .in_use = 0, .waiting = 0, .errors = 5});  // stale
  text = metrics.TextFormat();
  EXPECT_THAT(SampleValue(text, "auth_db_pool_connections_in_use"), Optional(0.0));
  EXPECT_THAT(SampleValue(text, "auth_db_errors_total"), Optional(6.0));
}

TEST(PrometheusAuthMetricsTest, ScrapeHooksRunBeforeEachCollection) {
  PrometheusAuthMetrics metrics;
  std::atomic<int> depth{0};
  metrics.AddScrapeHook([&] { metrics.SetHashingQueueDepth(++depth); });
  EXPECT_THAT(SampleValue(metrics.TextFormat(), "auth_hashing_queue_depth"), Optional(1.0));
  EXPECT_THAT(SampleValue(metrics.TextFormat(), "auth_hashing_queue_depth"), Optional(2.0));
  // The collectable an exposer serves runs them too.
  EXPECT_FALSE(metrics.collectable()->Collect().empty());
  EXPECT_EQ(depth.load(), 3);
}

TEST(RpcNameTest, NamesEveryRpcAsTheProtoDoes) {
  EXPECT_EQ(RpcName(Rpc::kRegister), "Register");
  EXPECT_EQ(RpcName(Rpc::kLogin), "Login");
  EXPECT_EQ(RpcName(Rpc::kLogout), "Logout");
  EXPECT_EQ(RpcName(Rpc::kValidateToken), "ValidateToken");
  EXPECT_EQ(RpcName(Rpc::kRefreshToken), "RefreshToken");
  EXPECT_EQ(RpcName(Rpc::kGetJwks), "GetJwks");
  EXPECT_EQ(RpcName(Rpc::kGetSession), "GetSession");
  EXPECT_EQ(RpcName(Rpc::kChangePassword), "ChangePassword");
}

// Code that records through the interface works the same with any implementation.
void RecordOneLogin(AuthMetrics& metrics) {
  metrics.RecordCall(Rpc::kLogin, absl::StatusCode::kOk, absl::Milliseconds(1));
  metrics.RecordSessionsCreated(1);
}

TEST(AuthMetricsTest, MockSeesWhatCodeRecords) {
  ::testing::StrictMock<MockAuthMetrics> metrics;
  EXPECT_CALL(metrics, RecordCall(Rpc::kLogin, absl::StatusCode::kOk, absl::Milliseconds(1)));
  EXPECT_CALL(metrics, RecordSessionsCreated(1));
  RecordOneLogin(metrics);
}

TEST(AuthMetricsTest, NoopAcceptsEverything) {
  RecordOneLogin(NoopAuthMetrics::Get());
  NoopAuthMetrics::Get().SetDbPoolStats({.open = 1, .in_use = 1, .waiting = 1, .errors = 1});
  EXPECT_EQ(&NoopAuthMetrics::Get(), &NoopAuthMetrics::Get());
}

}  // namespace
}  // namespace auth::metrics
