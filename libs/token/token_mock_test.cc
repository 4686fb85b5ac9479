// Checks that the mocks compile against the interfaces and can stand in for them.
#include "libs/token/token_mock.h"

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/token.h"

namespace auth::token {
namespace {

using ::auth::test_util::StatusIs;
using ::testing::_;
using ::testing::Eq;
using ::testing::Return;
using ::testing::StrictMock;

TEST(TokenMockTest, IssuerAndVerifierCanBeScripted) {
  StrictMock<MockTokenIssuer> issuer;
  StrictMock<MockTokenVerifier> verifier;
  IssuedToken issued;
  issued.token = "t";
  issued.claims.subject = "42";
  EXPECT_CALL(issuer, Issue(Eq("42"), _)).WillOnce(Return(issued));
  EXPECT_CALL(issuer, lifetime()).WillOnce(Return(absl::Minutes(15)));
  EXPECT_CALL(verifier, Verify(Eq("t"))).WillOnce(Return(absl::UnauthenticatedError("expired")));

  const TokenIssuer& as_issuer = issuer;
  const TokenVerifier& as_verifier = verifier;
  absl::StatusOr<IssuedToken> result = as_issuer.Issue("42");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->claims.subject, "42");
  EXPECT_EQ(as_issuer.lifetime(), absl::Minutes(15));
  EXPECT_THAT(as_verifier.Verify("t"), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenMockTest, PrehashedVerifierCanBeScripted) {
  StrictMock<MockPrehashedTokenVerifier> verifier;
  TokenDigest digest{};
  digest[0] = 1;
  EXPECT_CALL(verifier, VerifyPrehashed(Eq("t"), Eq(digest)))
      .WillOnce(Return(absl::UnauthenticatedError("expired")));

  const PrehashedTokenVerifier& as_verifier = verifier;
  EXPECT_THAT(as_verifier.VerifyPrehashed("t", digest),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace auth::token
