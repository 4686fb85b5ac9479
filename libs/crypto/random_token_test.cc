#include "libs/crypto/random_token.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::crypto {
namespace {

TEST(NewRandomTokenTest, Is32RandomBytesInBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(const std::string token, NewRandomToken());
    EXPECT_EQ(token.size(), 43u);  // ceil(32 * 4 / 3), no padding
    for (char c : token) {
      EXPECT_TRUE(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
          << token;
    }
    std::string bytes;
    ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &bytes));
    EXPECT_EQ(bytes.size(), kRandomTokenBytes);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(NewRandomTokenTest, TakesOtherSizes) {
  ASSERT_OK_AND_ASSIGN(const std::string token, NewRandomToken(16));
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &bytes));
  EXPECT_EQ(bytes.size(), 16u);
}

TEST(NewRandomTokenTest, RefusesSizesOutOfRange) {
  EXPECT_EQ(NewRandomToken(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NewRandomToken(1025).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace auth::crypto
