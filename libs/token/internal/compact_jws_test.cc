#include "libs/token/internal/compact_jws.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::token::internal {
namespace {

using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;

// RFC 7515 Appendix A.1: header {"typ":"JWT",\r\n "alg":"HS256"}.
constexpr char kRfc7515Header[] = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
constexpr char kRfc7515Payload[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ";
constexpr char kRfc7515Signature[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

std::string Rfc7515Token() {
  return std::string(kRfc7515Header) + "." + kRfc7515Payload + "." + kRfc7515Signature;
}

TEST(CompactJwsTest, ParsesTheRfc7515Example) {
  ASSERT_OK_AND_ASSIGN(CompactJws jws, ParseCompactJws(Rfc7515Token()));
  EXPECT_EQ(jws.header["alg"], "HS256");
  EXPECT_EQ(jws.header["typ"], "JWT");
  EXPECT_EQ(jws.payload,
            "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
  EXPECT_EQ(jws.signature.size(), 32u);
  EXPECT_EQ(jws.signing_input, std::string(kRfc7515Header) + "." + kRfc7515Payload);
}

TEST(CompactJwsTest, BuildsWhatItParses) {
  std::string input = MakeSigningInput(R"({"alg":"EdDSA"})", "Example of Ed25519 signing");
  EXPECT_EQ(input, "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc");
  ASSERT_OK_AND_ASSIGN(CompactJws jws, ParseCompactJws(AppendSignature(input, "sig")));
  EXPECT_EQ(jws.header["alg"], "EdDSA");
  EXPECT_EQ(jws.payload, "Example of Ed25519 signing");
  EXPECT_EQ(jws.signature, "sig");
  EXPECT_EQ(jws.signing_input, input);
}

TEST(CompactJwsTest, RejectsWrongNumberOfParts) {
  std::string valid = Rfc7515Token();
  for (const std::string& token : {std::string(""), std::string("."), std::string(kRfc7515Header),
                                   std::string(kRfc7515Header) + "." + kRfc7515Payload, valid + ".",
                                   valid + ".x", "." + valid}) {
    EXPECT_THAT(ParseCompactJws(token),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("three")))
        << token;
  }
}

TEST(CompactJwsTest, RejectsBadBase64InEachPart) {
  std::string header = kRfc7515Header, payload = kRfc7515Payload, sig = kRfc7515Signature;
  EXPECT_THAT(ParseCompactJws(header + "=." + payload + "." + sig),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("header")));
  EXPECT_THAT(ParseCompactJws(header + "." + payload + "==." + sig),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("payload")));
  EXPECT_THAT(ParseCompactJws(header + "." + payload + "." + sig + "="),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("signature")));
  std::string standard_alphabet = sig;
  standard_alphabet[sig.find('-')] = '+';
  EXPECT_THAT(ParseCompactJws(header + "." + payload + "." + standard_alphabet),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("signature")));
}

TEST(CompactJwsTest, RejectsHeaderThatIsNotAStrictObject) {
  for (const char* header :
       {"[]", "{\"alg\":\"HS256\",\"alg\":\"none\"}", "{\"alg\":", "", "{\"alg\":\"HS256\"}x"}) {
    std::string token = AppendSignature(MakeSigningInput(header, "{}"), "sig");
    EXPECT_THAT(ParseCompactJws(token),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("header")))
        << header;
  }
}

}  // namespace
}  // namespace auth::token::internal
