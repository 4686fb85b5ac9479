#include "tools/auth_cli/token_subject.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::cli {
namespace {

using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;

// A token with `claims_json` as its payload; header and signature do not matter here.
std::string TokenWithClaims(const std::string& claims_json) {
  return absl::StrCat(absl::WebSafeBase64Escape(R"({"alg":"EdDSA"})"), ".",
                      absl::WebSafeBase64Escape(claims_json), ".c2lnbmF0dXJl");
}

TEST(UserIdOfTokenTest, ReadsTheSubject) {
  EXPECT_THAT(UserIdOfToken(TokenWithClaims(R"({"sub":"7","exp":1900000000})")), IsOkAndHolds(7));
  EXPECT_THAT(UserIdOfToken(TokenWithClaims(R"({"sub":"2147483647"})")), IsOkAndHolds(2147483647));
}

TEST(UserIdOfTokenTest, RefusesWhatNamesNoUser) {
  for (const char* claims :
       {R"({"exp":1})", R"({"sub":7})", R"({"sub":"07"})", R"({"sub":"0"})", R"({"sub":"-3"})",
        R"({"sub":"2147483648"})", R"(["sub"])", "not json"}) {
    EXPECT_THAT(UserIdOfToken(TokenWithClaims(claims)),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << claims;
  }
}

TEST(UserIdOfTokenTest, RefusesWhatIsNotAJwt) {
  for (const char* token : {"", "abc", "a.b", "a.b.c.d", "a.%%%.c"}) {
    EXPECT_THAT(UserIdOfToken(token), StatusIs(absl::StatusCode::kInvalidArgument)) << token;
  }
}

}  // namespace
}  // namespace auth::cli
