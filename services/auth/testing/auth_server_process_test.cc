// AuthServerProcess and Replica against the real auth_server on a private MariaDB: the fault
// controls the fault tests rely on do what they say.
#include "services/auth/testing/auth_server_process.h"

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/testing/auth_server_backend.h"
#include "services/auth/testing/auth_test_client.h"
#include "services/auth/testing/replica.h"

namespace auth::service_testing {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::Field;

class AuthServerProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<AuthServerBackend>> backend = AuthServerBackend::Start();
    ASSERT_THAT(backend, IsOk());
    backend_ = backend->release();
  }
  static void TearDownTestSuite() {
    delete backend_;
    backend_ = nullptr;
  }

  static std::unique_ptr<AuthServerProcess> Start(std::vector<std::string> extra_flags = {}) {
    std::vector<std::string> flags = backend_->Flags();
    flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
    absl::StatusOr<std::unique_ptr<AuthServerProcess>> server =
        AuthServerProcess::Start(std::move(flags));
    EXPECT_THAT(server, IsOk());
    return server.ok() ? *std::move(server) : nullptr;
  }

  inline static AuthServerBackend* backend_ = nullptr;
};

TEST_F(AuthServerProcessTest, ServesOnItsPortAndStopsGracefully) {
  std::unique_ptr<AuthServerProcess> server = Start();
  ASSERT_NE(server, nullptr);
  EXPECT_GT(server->port(), 0);
  std::unique_ptr<auth::v1::AuthService::Stub> stub = server->NewStub();
  EXPECT_TRUE(AuthTestClient(*stub).Register("paula", "paula@example.com").ok());
  EXPECT_THAT(server->Stop(), IsOkAndHolds(Field(&ExitStatus::code, 0)));
  EXPECT_FALSE(server->Running());
}

TEST_F(AuthServerProcessTest, ReportsTheMetricsPort) {
  std::unique_ptr<AuthServerProcess> server = Start({"--metrics_listen=127.0.0.1:0"});
  ASSERT_NE(server, nullptr);
  absl::StatusOr<int> metrics_port = server->WaitForPort("metrics");
  ASSERT_THAT(metrics_port, IsOk());
  EXPECT_NE(*metrics_port, server->port());
}

TEST_F(AuthServerProcessTest, APausedServerAnswersNothingUntilResumed) {
  std::unique_ptr<AuthServerProcess> server = Start();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<auth::v1::AuthService::Stub> stub = server->NewStub();
  ASSERT_EQ(AuthTestClient(*stub).Validate("warm-up").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_THAT(server->Pause(), IsOk());
  EXPECT_TRUE(server->Running());
  EXPECT_EQ(AuthTestClient(*stub, absl::Milliseconds(500)).Validate("x").error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_THAT(server->Resume(), IsOk());
  EXPECT_EQ(AuthTestClient(*stub).Validate("x").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthServerProcessTest, DoesNotStartWithABadFlag) {
  std::vector<std::string> flags = backend_->Flags();
  flags.push_back("--metrics_listen=no-port-here");
  EXPECT_THAT(AuthServerProcess::Start(flags, absl::Seconds(30)),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(AuthServerProcessTest, AKilledReplicaFailsUntilReset) {
  Replica replica(Start());
  ASSERT_NE(replica.stub(), nullptr);
  EXPECT_TRUE(replica.Running());
  std::shared_ptr<auth::v1::AuthService::Stub> old_stub = replica.stub();
  absl::StatusOr<ExitStatus> killed = replica.Kill();
  ASSERT_THAT(killed, IsOk());
  EXPECT_EQ(killed->signal, SIGKILL);
  EXPECT_FALSE(replica.Running());
  EXPECT_EQ(AuthTestClient(replica.stub()).Validate("x").error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(replica.Kill(), StatusIs(absl::StatusCode::kFailedPrecondition));

  replica.Reset(Start());
  EXPECT_TRUE(replica.Running());
  EXPECT_NE(replica.stub(), old_stub);
  EXPECT_EQ(AuthTestClient(replica.stub()).Validate("x").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace auth::service_testing
