// End-to-end test of the metrics endpoint: the real auth_server with --metrics_listen against a
// private MariaDB (see e2e_fixture.h); calls go through gRPC, and /metrics is scraped over
// plain HTTP, as Prometheus would.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/metrics/testing/scrape.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/e2e/e2e_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::metrics_testing::SampleValue;
using ::auth::metrics_testing::ScrapeMetrics;
using ::testing::Field;
using ::testing::Ge;
using ::testing::Optional;

// Label order as served: prometheus-cpp sorts labels by name.
std::string Calls(const std::string& method, const std::string& code) {
  return "auth_rpc_calls_total{code=\"" + code + "\",method=\"" + method + "\"}";
}

class MetricsE2eTest : public AuthServerE2eTest {
 protected:
  void SetUp() override {
    StartServer({"--metrics_listen=127.0.0.1:0"});
    // Printed after the gRPC port line, which StartServer() has consumed.
    absl::StatusOr<int> port = server_->WaitForPort("metrics");
    ASSERT_THAT(port, auth::test_util::IsOk()) << "auth_server did not report its metrics port";
    metrics_port_ = *port;
  }

  std::string Scrape() {
    absl::StatusOr<std::string> text = ScrapeMetrics(metrics_port_);
    EXPECT_THAT(text, auth::test_util::IsOk());
    return text.ok() ? *text : "";
  }

  int metrics_port_ = 0;
};

TEST_F(MetricsE2eTest, CountersMoveWithTheCalls) {
  std::string text = Scrape();
  EXPECT_THAT(SampleValue(text, Calls("Login", "OK")), Optional(0.0));
  EXPECT_THAT(SampleValue(text, "auth_sessions_created_total"), Optional(0.0));

  ASSERT_TRUE(Register("mallory", "mallory@example.com", "").ok());
  LoginResult first = Login("mallory@example.com", "");
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  EXPECT_EQ(Login("mallory@example.com", "", "wrong-password-123").status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Rotate the login's refresh token, then present it again: reuse, which revokes the family.
  ASSERT_TRUE(Refresh(first.response.refresh_token()).ok());
  EXPECT_EQ(Refresh(first.response.refresh_token()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  LoginResult second = Login("mallory@example.com", "");
  ASSERT_TRUE(second.status.ok()) << second.status.error_message();
  ASSERT_TRUE(Logout(second.response.user_id(), second.response.jwt_token()).ok());

  text = Scrape();
  EXPECT_THAT(SampleValue(text, Calls("Register", "OK")), Optional(1.0));
  EXPECT_THAT(SampleValue(text, Calls("Login", "OK")), Optional(2.0));
  EXPECT_THAT(SampleValue(text, Calls("Login", "UNAUTHENTICATED")), Optional(1.0));
  EXPECT_THAT(SampleValue(text, Calls("RefreshToken", "OK")), Optional(1.0));
  EXPECT_THAT(SampleValue(text, Calls("RefreshToken", "UNAUTHENTICATED")), Optional(1.0));
  EXPECT_THAT(SampleValue(text, Calls("Logout", "OK")), Optional(1.0));
  EXPECT_THAT(SampleValue(text, Calls("ValidateToken", "OK")), Optional(0.0));
  EXPECT_THAT(SampleValue(text, R"(auth_rpc_latency_seconds_count{method="Login"})"),
              Optional(3.0));
  // Two logins and one rotation opened sessions; the logout ended the only one still open.
  EXPECT_THAT(SampleValue(text, "auth_sessions_created_total"), Optional(3.0));
  EXPECT_THAT(SampleValue(text, "auth_sessions_revoked_total"), Optional(1.0));
  EXPECT_THAT(SampleValue(text, "auth_refresh_reuse_detected_total"), Optional(1.0));
  // One hash for the registration, one verification per login.
  EXPECT_THAT(SampleValue(text, "auth_hashing_wait_seconds_count"), Optional(4.0));
  // Sampled at the scrape, with every call answered: nothing queued, no connection leased,
  // but the connections the calls used are still open.
  EXPECT_THAT(SampleValue(text, "auth_hashing_queue_depth"), Optional(0.0));
  EXPECT_THAT(SampleValue(text, "auth_db_pool_connections_open"), Optional(Ge(1.0)));
  EXPECT_THAT(SampleValue(text, "auth_db_pool_connections_in_use"), Optional(0.0));
  EXPECT_THAT(SampleValue(text, "auth_db_pool_waiting"), Optional(0.0));
  EXPECT_THAT(SampleValue(text, "auth_db_errors_total"), Optional(0.0));
}

TEST_F(MetricsE2eTest, BadMetricsAddressStopsTheServerAtStart) {
  std::vector<std::string> flags = backend_->Flags();
  flags.push_back("--metrics_listen=no-port-here");
  absl::StatusOr<std::unique_ptr<Subprocess>> server = AuthServerProcess::Launch(flags);
  ASSERT_THAT(server, auth::test_util::IsOk());
  EXPECT_THAT((*server)->Wait(absl::Seconds(20)),
              auth::test_util::IsOkAndHolds(Field(&ExitStatus::code, 1)));
}

}  // namespace
}  // namespace auth::service_testing
