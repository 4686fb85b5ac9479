// MockAuthenticator: a gMock Authenticator for unit tests of services that authenticate their
// callers, so they need neither tokens nor an auth service.
//
//   ::testing::StrictMock<MockAuthenticator> authenticator;
//   EXPECT_CALL(authenticator, Authenticate(_))
//       .WillOnce(Return(AuthenticatedUser{42, "session", absl::Now() + absl::Minutes(5)}));
//   GreeterImpl greeter(&authenticator);  // calls authenticator.Authenticate(*context)
#ifndef LIBS_AUTHN_AUTHENTICATOR_MOCK_H_
#define LIBS_AUTHN_AUTHENTICATOR_MOCK_H_

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "libs/authn/authenticator.h"

namespace auth::authn {

class MockAuthenticator : public Authenticator {
 public:
  // Keeps Authenticate(const grpc::ServerContextBase&) visible; it calls the mocked overload.
  using Authenticator::Authenticate;
  MOCK_METHOD(absl::StatusOr<AuthenticatedUser>, Authenticate, (const ClientMetadata& metadata),
              (const, override));
};

}  // namespace auth::authn

#endif  // LIBS_AUTHN_AUTHENTICATOR_MOCK_H_
