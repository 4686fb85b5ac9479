#include "libs/crypto/sha256.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::crypto {
namespace {

// FIPS 180-2's test vectors.
TEST(Sha256Test, MatchesTheStandardVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, HexOfTheDigestIsTheHexDigest) {
  const std::string token = "eyJhbGciOiJFUzI1NiJ9.payload.signature";
  EXPECT_EQ(HexDigest(Sha256(token)), Sha256Hex(token));
  EXPECT_EQ(Sha256Hex(token).size(), 64u);
  EXPECT_NE(Sha256(token), Sha256(token + "x"));
}

TEST(Sha256Test, HashesEmbeddedNulBytes) {
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("a"));
}

}  // namespace
}  // namespace auth::crypto
