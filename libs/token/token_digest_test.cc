#include "libs/token/token_digest.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::token {
namespace {

TEST(TokenDigestTest, IsSha256) {
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(DigestHex(DigestToken("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenDigestTest, DiffersPerToken) {
  EXPECT_NE(DigestToken("a.b.c"), DigestToken("a.b.d"));
  EXPECT_EQ(DigestToken("a.b.c"), DigestToken("a.b.c"));
}

}  // namespace
}  // namespace auth::token
