// gMock doubles for TokenIssuer, TokenVerifier and PrehashedTokenVerifier, for tests of code that
// issues or checks tokens without real keys.
//
//   ::testing::StrictMock<MockTokenVerifier> verifier;
//   // absl::string_view here is not std::string_view: match with Eq(), not a bare literal.
//   EXPECT_CALL(verifier, Verify(Eq("t"))).WillOnce(Return(absl::UnauthenticatedError("expired")));
#ifndef LIBS_TOKEN_TOKEN_MOCK_H_
#define LIBS_TOKEN_TOKEN_MOCK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/token/token.h"

namespace auth::token {

class MockTokenIssuer : public TokenIssuer {
 public:
  using TokenIssuer::Issue;
  MOCK_METHOD(absl::StatusOr<IssuedToken>, Issue,
              (absl::string_view subject, const std::vector<std::string>& amr), (const, override));
  MOCK_METHOD(absl::Duration, lifetime, (), (const, override));
};

class MockTokenVerifier : public TokenVerifier {
 public:
  MOCK_METHOD(absl::StatusOr<TokenClaims>, Verify, (absl::string_view token), (const, override));
};

class MockPrehashedTokenVerifier : public PrehashedTokenVerifier {
 public:
  MOCK_METHOD(absl::StatusOr<TokenClaims>, Verify, (absl::string_view token), (const, override));
  MOCK_METHOD(absl::StatusOr<TokenClaims>, VerifyPrehashed,
              (absl::string_view token, const TokenDigest& digest), (const, override));
};

}  // namespace auth::token

#endif  // LIBS_TOKEN_TOKEN_MOCK_H_
