#include "libs/otp/totp.h"

#include <cstdint>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::otp {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// The secret of RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1).
constexpr absl::string_view kRfcSecret = "12345678901234567890";

TEST(HotpCodeTest, MatchesRfc4226AppendixD) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (int64_t counter = 0; counter < 10; ++counter) {
    EXPECT_THAT(HotpCode(kRfcSecret, counter), IsOkAndHolds(expected[counter])) << counter;
  }
}

// RFC 6238 Appendix B, SHA-1 rows: the 8-digit codes' last 6 digits (the truncation is the
// same; only the modulus differs).
TEST(TotpTest, MatchesRfc6238AppendixB) {
  const struct {
    int64_t unix_seconds;
    int64_t step;
    const char* code;
  } rows[] = {
      {59, 0x1, "287082"},
      {1111111109, 0x23523EC, "081804"},
      {1111111111, 0x23523ED, "050471"},
      {1234567890, 0x273EF07, "005924"},
      {2000000000, 0x3F940AA, "279037"},
      {20000000000, 0x27BC86AA, "353130"},
  };
  TotpVerifier verifier;
  for (const auto& row : rows) {
    const absl::Time time = absl::FromUnixSeconds(row.unix_seconds);
    EXPECT_THAT(TotpStep(time), IsOkAndHolds(row.step)) << row.unix_seconds;
    EXPECT_THAT(HotpCode(kRfcSecret, row.step), IsOkAndHolds(row.code)) << row.unix_seconds;
    EXPECT_THAT(verifier.Verify(kRfcSecret, row.code, time, kNoTotpStepUsed),
                IsOkAndHolds(row.step))
        << row.unix_seconds;
  }
}

TEST(TotpTest, StepsStartAtTheEpochAndLast30Seconds) {
  EXPECT_THAT(TotpStep(absl::UnixEpoch()), IsOkAndHolds(0));
  EXPECT_THAT(TotpStep(absl::FromUnixSeconds(29)), IsOkAndHolds(0));
  EXPECT_THAT(TotpStep(absl::FromUnixSeconds(30)), IsOkAndHolds(1));
  EXPECT_THAT(TotpStep(absl::FromUnixMillis(59999)), IsOkAndHolds(1));
  EXPECT_THAT(TotpStep(absl::FromUnixSeconds(-1)), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NewTotpSecretTest, Is160RandomBits) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(const std::string secret, NewTotpSecret());
    EXPECT_EQ(secret.size(), 20u);
    seen.insert(secret);
  }
  EXPECT_EQ(seen.size(), 100u);
}

class TotpVerifierTest : public ::testing::Test {
 protected:
  // The code of `step` steps from now.
  std::string CodeAt(int64_t offset) {
    absl::StatusOr<std::string> code = HotpCode(secret_, now_step_ + offset);
    EXPECT_THAT(code, IsOk());
    return code.value_or("");
  }

  const std::string secret_ =
      "\x3a\x91\x07\xee\x12\x00\xfe\x55\x60\x0b\x9d\x43\x21\xc8\x7f\x19"
      "\xa4\x02\xd6\x88";
  // 10 s into a step: the window is about the step, not the seconds.
  const absl::Time now_ = absl::FromUnixSeconds(1765000000 / 30 * 30 + 10);
  const int64_t now_step_ = 1765000000 / 30;
  TotpVerifier verifier_;
};

TEST_F(TotpVerifierTest, AcceptsThePreviousCurrentAndNextStep) {
  for (int64_t offset : {-1, 0, 1}) {
    EXPECT_THAT(verifier_.Verify(secret_, CodeAt(offset), now_, kNoTotpStepUsed),
                IsOkAndHolds(now_step_ + offset))
        << offset;
  }
}

TEST_F(TotpVerifierTest, RefusesCodesTwoStepsAway) {
  for (int64_t offset : {-3, -2, 2, 3}) {
    EXPECT_THAT(verifier_.Verify(secret_, CodeAt(offset), now_, kNoTotpStepUsed),
                StatusIs(absl::StatusCode::kUnauthenticated))
        << offset;
  }
}

TEST_F(TotpVerifierTest, RefusesAWrongCodeAndAnotherSecretsCode) {
  std::string wrong = CodeAt(0);
  wrong[5] = wrong[5] == '9' ? '0' : static_cast<char>(wrong[5] + 1);
  EXPECT_THAT(verifier_.Verify(secret_, wrong, now_, kNoTotpStepUsed),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(verifier_.Verify("another secret, 20 b", CodeAt(0), now_, kNoTotpStepUsed),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(TotpVerifierTest, RefusesACodeOfAStepAtOrBelowTheLastUsedOne) {
  // The same code twice: the second time is a replay, even within its 30 seconds.
  ASSERT_OK_AND_ASSIGN(const int64_t used,
                       verifier_.Verify(secret_, CodeAt(0), now_, kNoTotpStepUsed));
  EXPECT_THAT(verifier_.Verify(secret_, CodeAt(0), now_, used),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("used")));
  // An older code, still in the window, is refused too once a later one was used.
  EXPECT_THAT(verifier_.Verify(secret_, CodeAt(-1), now_, used),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // The next step's code is still good, and then the current one is not.
  EXPECT_THAT(verifier_.Verify(secret_, CodeAt(1), now_, used), IsOkAndHolds(now_step_ + 1));
  EXPECT_THAT(verifier_.Verify(secret_, CodeAt(0), now_, now_step_ + 1),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // A wrong code stays wrong whatever was used: replay is only said of a matching code.
  EXPECT_THAT(verifier_.Verify(secret_, CodeAt(2), now_, now_step_ + 1),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(TotpVerifierTest, RefusesAnythingButSixDigits) {
  const std::string good = CodeAt(0);
  for (const std::string& bad :
       {std::string(""), good.substr(0, 5), good + "0", " " + good, good + " ",
        good.substr(0, 3) + " " + good.substr(3), good.substr(0, 5) + "a", "-" + good.substr(1),
        "+" + good.substr(1), std::string("\xd9\xa1\xd9\xa2\xd9\xa3"),
        good.substr(0, 5) + std::string(1, '\0')}) {
    const absl::StatusOr<int64_t> verdict = verifier_.Verify(secret_, bad, now_, kNoTotpStepUsed);
    EXPECT_THAT(verdict, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(CheckTotpCodeFormat(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    if (!bad.empty()) {
      EXPECT_THAT(verdict.status().message(), Not(HasSubstr(bad)));
    }
  }
  EXPECT_THAT(CheckTotpCodeFormat(good), IsOk());
}

TEST_F(TotpVerifierTest, RefusesAnEmptySecretAndTimesBeforeTheEpoch) {
  EXPECT_THAT(verifier_.Verify("", "123456", now_, kNoTotpStepUsed),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(verifier_.Verify(secret_, "123456", absl::FromUnixSeconds(-30), kNoTotpStepUsed),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HotpCode("", 0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HotpCode(secret_, -1), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Codes repeat: the RFC secret's code at steps 57017782 and 57017784 is the same. Accepting it
// as the earlier step would let the same code in again a step later, so the latest step counts.
TEST(TotpVerifierCollisionTest, TakesTheLatestOfSeveralMatchingSteps) {
  ASSERT_OK_AND_ASSIGN(const std::string earlier, HotpCode(kRfcSecret, 57017782));
  ASSERT_OK_AND_ASSIGN(const std::string later, HotpCode(kRfcSecret, 57017784));
  ASSERT_EQ(earlier, later);
  const absl::Time now = absl::FromUnixSeconds(57017783 * 30 + 10);
  TotpVerifier verifier;
  EXPECT_THAT(verifier.Verify(kRfcSecret, earlier, now, kNoTotpStepUsed), IsOkAndHolds(57017784));
  EXPECT_THAT(verifier.Verify(kRfcSecret, earlier, now + absl::Seconds(30), 57017784),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(TotpVerifierAtTheEpochTest, HasNoStepBeforeZero) {
  ASSERT_OK_AND_ASSIGN(const std::string code, HotpCode(kRfcSecret, 0));
  EXPECT_THAT(TotpVerifier().Verify(kRfcSecret, code, absl::FromUnixSeconds(5), kNoTotpStepUsed),
              IsOkAndHolds(0));
}

}  // namespace
}  // namespace auth::otp
