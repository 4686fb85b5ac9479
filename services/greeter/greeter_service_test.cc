// GreeterServiceImpl's handler, with the Authenticator mocked: what a consumer's unit test of
// an authenticated handler looks like.
#include "services/greeter/greeter_service.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/authn/authenticator.h"
#include "libs/authn/authenticator_mock.h"

namespace greeter {
namespace {

using ::auth::authn::AuthenticatedUser;
using ::auth::authn::MockAuthenticator;
using ::testing::_;
using ::testing::Return;
using ::testing::StrictMock;

class GreeterServiceTest : public ::testing::Test {
 protected:
  grpc::Status Hello(greeter::v1::HelloResponse* response) {
    grpc::ServerContext context;
    greeter::v1::HelloRequest request;
    return service_.Hello(&context, &request, response);
  }

  StrictMock<MockAuthenticator> authenticator_;
  GreeterServiceImpl service_{&authenticator_};
};

TEST_F(GreeterServiceTest, GreetsTheAuthenticatedUser) {
  EXPECT_CALL(authenticator_, Authenticate(_))
      .WillOnce(Return(AuthenticatedUser{42, "session", absl::Now() + absl::Minutes(5)}));
  greeter::v1::HelloResponse response;
  const grpc::Status status = Hello(&response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.message(), "Hello, user 42!");
}

TEST_F(GreeterServiceTest, RefusedCallerGetsUnauthenticatedAndNoGreeting) {
  EXPECT_CALL(authenticator_, Authenticate(_))
      .WillOnce(Return(absl::UnauthenticatedError("access token expired")));
  greeter::v1::HelloResponse response;
  const grpc::Status status = Hello(&response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "access token expired");
  EXPECT_EQ(response.user_id(), 0);
  EXPECT_TRUE(response.message().empty());
}

TEST_F(GreeterServiceTest, AuthServiceDownIsUnavailable) {
  EXPECT_CALL(authenticator_, Authenticate(_))
      .WillOnce(Return(absl::UnavailableError("cannot confirm the session")));
  greeter::v1::HelloResponse response;
  EXPECT_EQ(Hello(&response).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(response.message().empty());
}

}  // namespace
}  // namespace greeter
