// --max_connection_age against the real auth_server (e2e_fixture.h): a gRPC connection is
// ended once it is that old (GOAWAY, then closed after the grace), so a client whose
// certificate the CA bundle no longer vouches for must reconnect, and fails the handshake
// then. Without it a connection lives as long as its client keeps it.
#include <chrono>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/auth/e2e/e2e_fixture.h"

namespace auth::service_testing {
namespace {

class ConnectionAgeE2eTest : public AuthServerE2eTest {
 protected:
  void SetUp() override {}

  // Whether a connection, once READY, is still READY after `wait` with no calls.
  bool StaysConnectedFor(absl::Duration wait) {
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    auto stub = auth::v1::AuthService::NewStub(channel);
    grpc::ClientContext context;
    auth::v1::GetJwksResponse response;
    EXPECT_TRUE(stub->GetJwks(&context, auth::v1::GetJwksRequest(), &response).ok());
    EXPECT_EQ(channel->GetState(/*try_to_connect=*/false), GRPC_CHANNEL_READY);
    const absl::Time until = absl::Now() + wait;
    while (absl::Now() < until) {
      if (channel->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY) return false;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return true;
  }
};

TEST_F(ConnectionAgeE2eTest, AConnectionEndsAtItsMaximumAge) {
  StartServer({"--max_connection_age=1s", "--max_connection_age_grace=1s"});
  // 1 s of age (gRPC adds up to 10% jitter) and the grace; the client sees the connection go
  // after 5.0 s (measured, 3 runs): a wide margin, and the test takes those 5 s only.
  EXPECT_FALSE(StaysConnectedFor(absl::Seconds(15)));
}

TEST_F(ConnectionAgeE2eTest, ZeroLetsAConnectionLive) {
  StartServer({"--max_connection_age=0s"});
  EXPECT_TRUE(StaysConnectedFor(absl::Seconds(3)));
}

}  // namespace
}  // namespace auth::service_testing
