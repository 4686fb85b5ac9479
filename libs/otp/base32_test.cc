#include "libs/otp/base32.h"

#include <random>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::otp {
namespace {

using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// RFC 4648 section 10, without the padding.
TEST(Base32Test, EncodesTheRfcVectors) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
}

TEST(Base32Test, DecodesTheRfcVectorsWithOrWithoutPadding) {
  EXPECT_THAT(Base32Decode("MY"), IsOkAndHolds("f"));
  EXPECT_THAT(Base32Decode("MY======"), IsOkAndHolds("f"));
  EXPECT_THAT(Base32Decode("MZXQ===="), IsOkAndHolds("fo"));
  EXPECT_THAT(Base32Decode("MZXW6==="), IsOkAndHolds("foo"));
  EXPECT_THAT(Base32Decode("MZXW6YQ="), IsOkAndHolds("foob"));
  EXPECT_THAT(Base32Decode("MZXW6YTB"), IsOkAndHolds("fooba"));
  EXPECT_THAT(Base32Decode("MZXW6YTBOI"), IsOkAndHolds("foobar"));
  EXPECT_THAT(Base32Decode("MZXW6YTBOI======"), IsOkAndHolds("foobar"));
}

TEST(Base32Test, DecodesWhatPeopleTypeOrCopy) {
  EXPECT_THAT(Base32Decode("mzxw6ytboi"), IsOkAndHolds("foobar"));
  EXPECT_THAT(Base32Decode("MzXw 6YtB oI"), IsOkAndHolds("foobar"));
  EXPECT_THAT(Base32Decode("  JBSW Y3DP EHPK 3PXP  "), IsOkAndHolds("Hello!\xde\xad\xbe\xef"));
}

TEST(Base32Test, RoundTripsRandomBytes) {
  std::mt19937 random(23);
  for (int length = 0; length < 64; ++length) {
    std::string bytes(length, '\0');
    for (char& byte : bytes) byte = static_cast<char>(random());
    const std::string text = Base32Encode(bytes);
    EXPECT_EQ(text.size(), (bytes.size() * 8 + 4) / 5);
    if (bytes.empty()) continue;  // nothing is not a secret: refused below
    EXPECT_THAT(Base32Decode(text), IsOkAndHolds(bytes));
  }
}

TEST(Base32Test, RefusesWhatNoEncoderWrites) {
  for (const char* bad : {
           "",                  // nothing
           "    ",              // nothing but spaces
           "M",                 // 1, 3 and 6 characters end no encoding
           "MZX",               //
           "MZXW6Y",            //
           "MZ",                // "f" is MY: Z sets unused bits
           "MZXR",              // "fo" is MZXQ
           "MY1",               // 0, 1, 8 and 9 are not base32 digits
           "MY8=====",          //
           "MY-Q",              // no separators but spaces
           "MY\tQ",             //
           "MY\nQ",             //
           "MY=",               // incomplete padding
           "MY=====",           //
           "MY==A===",          // padding in the middle
           "=MY",               //
           "MY==============",  // more than a group of padding
           "M\xc3\x9c",         // non-ASCII
       }) {
    EXPECT_THAT(Base32Decode(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(Base32Test, ErrorsNeverEchoTheInput) {
  const absl::StatusOr<std::string> decoded = Base32Decode("SECRETSECRETSECRET1");
  ASSERT_THAT(decoded, Not(IsOkAndHolds(::testing::_)));
  EXPECT_THAT(decoded.status().message(), Not(HasSubstr("SECRET")));
}

}  // namespace
}  // namespace auth::otp
