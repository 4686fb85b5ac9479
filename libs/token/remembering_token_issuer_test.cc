#include "libs/token/remembering_token_issuer.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/caching_token_verifier.h"
#include "libs/token/token.h"
#include "libs/token/token_mock.h"

namespace auth::token {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::_;
using ::testing::Eq;
using ::testing::Return;
using ::testing::StrictMock;

IssuedToken MakeIssued() {
  IssuedToken issued;
  issued.token = "header.payload.signature";
  issued.claims.subject = "42";
  issued.claims.jwt_id = "jti-1";
  issued.claims.issued_at = absl::Now() - absl::Seconds(1);
  issued.claims.not_before = issued.claims.issued_at;
  issued.claims.expires_at = absl::Now() + absl::Minutes(15);
  return issued;
}

class RememberingTokenIssuerTest : public ::testing::Test {
 protected:
  StrictMock<MockTokenIssuer> inner_issuer_;
  // Strict with no expectations: a remembered token never reaches it.
  StrictMock<MockTokenVerifier> inner_verifier_;
  CachingTokenVerifier verifier_{inner_verifier_, 16};
  RememberingTokenIssuer issuer_{inner_issuer_, verifier_};
};

TEST_F(RememberingTokenIssuerTest, IssuedTokenVerifiesFromTheCache) {
  const IssuedToken made = MakeIssued();
  EXPECT_CALL(inner_issuer_, Issue(Eq("42"), _)).WillOnce(Return(made));

  absl::StatusOr<IssuedToken> issued = issuer_.Issue("42");
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(issued->token, made.token);

  absl::StatusOr<TokenClaims> claims = verifier_.Verify(made.token);
  ASSERT_THAT(claims.status(), IsOk());
  EXPECT_EQ(claims->subject, "42");
  EXPECT_EQ(claims->jwt_id, "jti-1");
  EXPECT_EQ(verifier_.hits(), 1u);
}

TEST_F(RememberingTokenIssuerTest, FailureIsPassedOnAndRemembersNothing) {
  EXPECT_CALL(inner_issuer_, Issue(Eq("42"), _)).WillOnce(Return(absl::InternalError("no key")));

  EXPECT_THAT(issuer_.Issue("42").status(), StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(verifier_.size(), 0u);
}

TEST_F(RememberingTokenIssuerTest, LifetimeIsTheInnerIssuers) {
  EXPECT_CALL(inner_issuer_, lifetime()).WillOnce(Return(absl::Minutes(15)));

  EXPECT_EQ(issuer_.lifetime(), absl::Minutes(15));
}

}  // namespace
}  // namespace auth::token
