#include "libs/otp/recovery_codes.h"

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::otp {
namespace {

using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

TEST(NewRecoveryCodesTest, GivesTenDistinctCodesInThreeGroupsOfFour) {
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> codes, NewRecoveryCodes());
  EXPECT_THAT(codes, SizeIs(10));
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), 10u);
  const std::regex format("[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}");
  for (const std::string& code : codes) {
    EXPECT_TRUE(std::regex_match(code, format)) << code;
    // A displayed code is already what it normalises to, but for its dashes.
    EXPECT_THAT(NormalizeRecoveryCode(code), IsOkAndHolds(absl::StrReplaceAll(code, {{"-", ""}})));
  }
}

// At least 50 bits: 12 characters of 5 bits, each character uniform over the 32 symbols and
// independent of position. 2000 sets (240,000 characters): each symbol's count per position is
// about 625; a chi-square over 32 symbols above 80 (p < 1e-5) would mean bias.
TEST(NewRecoveryCodesTest, EveryCharacterCarriesFiveUniformBits) {
  EXPECT_GE(kRecoveryCodeBits, 50);
  std::vector<std::map<char, int>> counts(kRecoveryCodeCharacters);
  std::set<std::string> seen;
  constexpr int kSets = 2000;
  for (int i = 0; i < kSets; ++i) {
    ASSERT_OK_AND_ASSIGN(const std::vector<std::string> codes, NewRecoveryCodes());
    for (const std::string& code : codes) {
      seen.insert(code);
      const std::string plain = absl::StrReplaceAll(code, {{"-", ""}});
      for (int position = 0; position < kRecoveryCodeCharacters; ++position) {
        ++counts[position][plain[position]];
      }
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kSets * kRecoveryCodeCount));
  const double expected = kSets * kRecoveryCodeCount / 32.0;
  for (int position = 0; position < kRecoveryCodeCharacters; ++position) {
    EXPECT_THAT(counts[position], SizeIs(32)) << position;
    double chi_square = 0;
    for (const auto& [symbol, count] : counts[position]) {
      chi_square += std::pow(count - expected, 2) / expected;
    }
    EXPECT_LT(chi_square, 80) << "position " << position;
  }
}

TEST(NormalizeRecoveryCodeTest, ForgivesCaseSeparatorsAndLookalikes) {
  EXPECT_THAT(NormalizeRecoveryCode("7kq2-mzx9-0h4r"), IsOkAndHolds("7kq2mzx90h4r"));
  EXPECT_THAT(NormalizeRecoveryCode("7KQ2MZX90H4R"), IsOkAndHolds("7kq2mzx90h4r"));
  EXPECT_THAT(NormalizeRecoveryCode("  7kq2 mzx9 - 0h4r "), IsOkAndHolds("7kq2mzx90h4r"));
  EXPECT_THAT(NormalizeRecoveryCode("7kq2-mzx9-Oh4r"), IsOkAndHolds("7kq2mzx90h4r"));
  EXPECT_THAT(NormalizeRecoveryCode("ilIL-oO00-1111"), IsOkAndHolds("111100001111"));
}

TEST(NormalizeRecoveryCodeTest, RefusesOtherCharactersAndLengths) {
  for (const std::string& bad : {
           std::string(""),
           std::string("7kq2-mzx9-0h4"),
           std::string("7kq2-mzx9-0h4rr"),
           std::string("7kq2-mzx9-0h4u"),  // u is not in the alphabet
           std::string("7kq2_mzx9_0h4r"),
           std::string("7kq2\tmzx9\t0h4r"),
           std::string("7kq2-mzx9-0h4\xc3\xab"),
           std::string("7kq2-mzx9-0h4r\n"),
           std::string(100, '-') + "7kq2mzx90h4r",
       }) {
    const absl::StatusOr<std::string> normalized = NormalizeRecoveryCode(bad);
    EXPECT_THAT(normalized, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(normalized.status().message(), Not(HasSubstr("7kq2")));
  }
}

TEST(RecoveryCodeDigestTest, IsSha256HexBoundToTheUser) {
  const std::string digest = RecoveryCodeDigest(42, "7kq2mzx90h4r");
  EXPECT_TRUE(std::regex_match(digest, std::regex("[0-9a-f]{64}"))) << digest;
  EXPECT_EQ(RecoveryCodeDigest(42, "7kq2mzx90h4r"), digest);
  EXPECT_NE(RecoveryCodeDigest(43, "7kq2mzx90h4r"), digest);
  EXPECT_NE(RecoveryCodeDigest(42, "7kq2mzx90h4s"), digest);
  EXPECT_THAT(digest, Not(HasSubstr("7kq2")));
}

}  // namespace
}  // namespace auth::otp
