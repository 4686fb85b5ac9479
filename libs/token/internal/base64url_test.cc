#include "libs/token/internal/base64url.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::token::internal {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;

TEST(Base64UrlTest, EncodesWithoutPaddingInTheUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("A"), "QQ");
  EXPECT_EQ(Base64UrlEncode("AB"), "QUI");
  EXPECT_EQ(Base64UrlEncode("ABC"), "QUJD");
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff\xbf", 3)), "-_-_");
}

TEST(Base64UrlTest, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t length = 0; length <= 7; ++length) {
    std::string prefix = bytes.substr(250 - length, length);
    ASSERT_OK_AND_ASSIGN(std::string decoded, Base64UrlDecode(Base64UrlEncode(prefix)));
    EXPECT_EQ(decoded, prefix);
  }
  ASSERT_OK_AND_ASSIGN(std::string all, Base64UrlDecode(Base64UrlEncode(bytes)));
  EXPECT_EQ(all, bytes);
}

TEST(Base64UrlTest, DecodesTheUrlAlphabet) {
  ASSERT_OK_AND_ASSIGN(std::string decoded, Base64UrlDecode("-_-_"));
  EXPECT_EQ(decoded, std::string("\xfb\xff\xbf", 3));
  EXPECT_THAT(Base64UrlDecode(""), IsOk());
}

TEST(Base64UrlTest, RejectsPadding) {
  EXPECT_THAT(Base64UrlDecode("QQ=="), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QQ="), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QUI="), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Base64UrlTest, RejectsTheStandardAlphabet) {
  EXPECT_THAT(Base64UrlDecode("-_+/"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QU+D"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QU/D"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Base64UrlTest, RejectsWhitespaceAndOtherBytes) {
  EXPECT_THAT(Base64UrlDecode("Q Q"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QQ\n"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QU.D"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode(std::string("QQ\0", 3)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QU\xc3\xa9"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Base64UrlTest, RejectsImpossibleLength) {
  EXPECT_THAT(Base64UrlDecode("Q"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QUJDR"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Base64UrlTest, RejectsNonCanonicalTrailingBits) {
  // "QQ" is the only spelling of "A"; "QR".."QV" differ only in the 4 unused low bits.
  EXPECT_THAT(Base64UrlDecode("QQ"), IsOk());
  EXPECT_THAT(Base64UrlDecode("QR"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QV"), StatusIs(absl::StatusCode::kInvalidArgument));
  // "QUI" is the only spelling of "AB"; "QUJ" sets one of the 2 unused bits.
  EXPECT_THAT(Base64UrlDecode("QUI"), IsOk());
  EXPECT_THAT(Base64UrlDecode("QUJ"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Base64UrlTest, ErrorMessageDoesNotEchoInput) {
  absl::StatusOr<std::string> decoded = Base64UrlDecode("secretvalue=");
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(std::string(decoded.status().message()),
              ::testing::Not(::testing::HasSubstr("secretvalue")));
}

}  // namespace
}  // namespace auth::token::internal
