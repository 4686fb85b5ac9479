// The mock is what consumers' unit tests use, and ToGrpcStatus is what their handlers return:
// both must behave as documented.
#include "libs/authn/authenticator_mock.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/authn/authenticator.h"
#include "libs/testing/status_matchers.h"

namespace auth::authn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::_;
using ::testing::IsEmpty;
using ::testing::Return;
using ::testing::StrictMock;

TEST(MockAuthenticatorTest, ServesTheServerContextOverloadThroughTheMock) {
  StrictMock<MockAuthenticator> mock;
  const AuthenticatedUser alice{42, "session-1", absl::Now() + absl::Minutes(5)};
  EXPECT_CALL(mock, Authenticate(IsEmpty()))
      .WillOnce(Return(alice))
      .WillOnce(Return(absl::UnauthenticatedError("no token")));
  grpc::ServerContext context;  // no client metadata
  const Authenticator& authenticator = mock;
  absl::StatusOr<AuthenticatedUser> user = authenticator.Authenticate(context);
  ASSERT_THAT(user, IsOk());
  EXPECT_EQ(user->user_id, 42);
  EXPECT_EQ(user->session_id, "session-1");
  EXPECT_THAT(mock.Authenticate(context), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(ToGrpcStatusTest, MapsUnavailableAndRefusesEverythingElse) {
  grpc::Status status = ToGrpcStatus(absl::UnavailableError("auth service down"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "auth service down");
  status = ToGrpcStatus(absl::UnauthenticatedError("token expired"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "token expired");
  // Whatever else comes back, the caller is not let through and not told it was fine.
  EXPECT_EQ(ToGrpcStatus(absl::InternalError("bug")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ToGrpcStatus(absl::OkStatus()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace auth::authn
