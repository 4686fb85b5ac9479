#include "libs/otp/otpauth_uri.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::otp {
namespace {

using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::AllOf;
using ::testing::Field;

constexpr absl::string_view kSecret = "Hello!\xde\xad\xbe\xef";  // JBSWY3DPEHPK3PXP

auto Fields(absl::string_view issuer, absl::string_view account, absl::string_view secret) {
  return AllOf(Field(&OtpauthUri::issuer, std::string(issuer)),
               Field(&OtpauthUri::account, std::string(account)),
               Field(&OtpauthUri::secret, std::string(secret)));
}

TEST(BuildOtpauthUriTest, WritesTheKeyUriFormat) {
  EXPECT_THAT(
      BuildOtpauthUri(
          {.issuer = "Example", .account = "alice@example.com", .secret = std::string(kSecret)}),
      IsOkAndHolds("otpauth://totp/Example:alice%40example.com?secret=JBSWY3DPEHPK3PXP"
                   "&issuer=Example&algorithm=SHA1&digits=6&period=30"));
}

TEST(BuildOtpauthUriTest, PercentEncodesAllButUnreservedCharacters) {
  EXPECT_THAT(BuildOtpauthUri({.issuer = "Big Corp & Co?",
                               .account = "a+b=c/d#e:f%g~h_i.j-k\xc3\xab",
                               .secret = "\x01"}),
              IsOkAndHolds("otpauth://totp/Big%20Corp%20%26%20Co%3F:"
                           "a%2Bb%3Dc%2Fd%23e%3Af%25g~h_i.j-k%C3%AB?secret=AE"
                           "&issuer=Big%20Corp%20%26%20Co%3F&algorithm=SHA1&digits=6&period=30"));
  EXPECT_EQ(PercentEncode(std::string("\0\x7f ", 3)), "%00%7F%20");
}

TEST(BuildOtpauthUriTest, RefusesWhatAnAppCouldNotReadBack) {
  const std::string secret(kSecret);
  EXPECT_THAT(BuildOtpauthUri({.issuer = "", .account = "a", .secret = secret}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BuildOtpauthUri({.issuer = "Ex:ample", .account = "a", .secret = secret}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BuildOtpauthUri({.issuer = "Example", .account = "", .secret = secret}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BuildOtpauthUri({.issuer = "Example", .account = "a", .secret = ""}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseOtpauthUriTest, ReadsBackWhatBuildWrites) {
  for (const OtpauthUri& uri : {
           OtpauthUri{"Example", "alice@example.com", std::string(kSecret)},
           OtpauthUri{"Big Corp & Co?", "a:b%c d\xc3\xab", std::string(20, '\xff')},
       }) {
    ASSERT_OK_AND_ASSIGN(const std::string text, BuildOtpauthUri(uri));
    EXPECT_THAT(ParseOtpauthUri(text), IsOkAndHolds(Fields(uri.issuer, uri.account, uri.secret)))
        << text;
  }
}

TEST(ParseOtpauthUriTest, ReadsTheOtherSpellingsAppsWrite) {
  EXPECT_THAT(ParseOtpauthUri("otpauth://totp/alice?secret=jbswy3dpehpk3pxp"),
              IsOkAndHolds(Fields("", "alice", kSecret)));
  EXPECT_THAT(ParseOtpauthUri("otpauth://totp/Ex%3aalice?secret=JBSWY3DPEHPK3PXP&issuer=Ex"),
              IsOkAndHolds(Fields("Ex", "alice", kSecret)));
  EXPECT_THAT(ParseOtpauthUri("otpauth://totp/alice?issuer=Ex&secret=JBSWY3DPEHPK3PXP"),
              IsOkAndHolds(Fields("Ex", "alice", kSecret)));
}

TEST(ParseOtpauthUriTest, RefusesAnythingElse) {
  for (const char* bad : {
           "",
           "otpauth://hotp/Ex:alice?secret=JBSWY3DPEHPK3PXP&counter=1",
           "OTPAUTH://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP",
           "otpauth://totp/Ex:alice",
           "otpauth://totp/Ex:alice?issuer=Ex",
           "otpauth://totp/Ex:?secret=JBSWY3DPEHPK3PXP",
           "otpauth://totp/:alice?secret=JBSWY3DPEHPK3PXP",
           "otpauth://totp/?secret=JBSWY3DPEHPK3PXP",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PX1",
           "otpauth://totp/Ex:alice?secret=",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP&secret=JBSWY3DPEHPK3PXP",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP&issuer=Other",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP&issuer=",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP&digits=8",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP&period=60",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP&image=x",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP&",
           "otpauth://totp/Ex:alice?secret=JBSWY3DPEHPK3PXP&digits",
           "otpauth://totp/Ex:al%2ice?secret=JBSWY3DPEHPK3PXP",
           "otpauth://totp/Ex:alice%?secret=JBSWY3DPEHPK3PXP",
           "otpauth://totp/Ex:alice%4?secret=JBSWY3DPEHPK3PXP",
       }) {
    EXPECT_THAT(ParseOtpauthUri(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(PercentDecodeTest, DecodesEitherCaseAndRefusesBrokenEscapes) {
  EXPECT_THAT(PercentDecode("a%40b%c3%AB%25"), IsOkAndHolds("a@b\xc3\xab%"));
  EXPECT_THAT(PercentDecode("%"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("%4"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("%g0"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace auth::otp
