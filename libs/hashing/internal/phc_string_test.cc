// Tests for the strict PHC string parser: what libargon2 writes parses and formats back
// byte-for-byte; everything else (malformed, non-canonical, out of bounds) is kInvalidArgument.
#include "libs/hashing/internal/phc_string.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::hashing::internal {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// Written by libargon2's argon2id_hash_encoded (password "correct horse battery staple",
// salt "0123456789abcdef"); see argon2_password_hasher_test.cc.
constexpr absl::string_view kLibargon2Small =
    "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
    "aq42HBL+IPAitHspChw/8mx5JRX2jFDkTmlsBskwH/0";
constexpr absl::string_view kLibargon2ShortHash =
    "$argon2id$v=19$m=64,t=2,p=2$c2FsdHNhbHRzYWx0c2FsdA$rIfVMnjUsrZUDN57fUuH8w";

constexpr absl::string_view kSalt16 = "MDEyMzQ1Njc4OWFiY2RlZg";  // 16 bytes
constexpr absl::string_view kHash32 = "aq42HBL+IPAitHspChw/8mx5JRX2jFDkTmlsBskwH/0";

std::string Phc(absl::string_view params, absl::string_view salt = kSalt16,
                absl::string_view hash = kHash32) {
  return absl::StrCat("$argon2id$v=19$", params, "$", salt, "$", hash);
}

// Base64 of `n` zero bytes, unpadded.
std::string ZeroBytesBase64(size_t n) { return Base64EncodeUnpadded(std::string(n, '\0')); }

TEST(PhcStringTest, ParsesLibargon2Output) {
  ASSERT_OK_AND_ASSIGN(PhcString phc, ParsePhcString(kLibargon2Small));
  EXPECT_EQ(phc.algorithm, "argon2id");
  EXPECT_EQ(phc.version, 19u);
  EXPECT_EQ(phc.memory_kib, 64u);
  EXPECT_EQ(phc.iterations, 1u);
  EXPECT_EQ(phc.parallelism, 1u);
  EXPECT_EQ(phc.salt, "0123456789abcdef");
  EXPECT_EQ(phc.hash.size(), 32u);
  EXPECT_EQ(Base64EncodeUnpadded(phc.hash), kHash32);

  ASSERT_OK_AND_ASSIGN(PhcString other, ParsePhcString(kLibargon2ShortHash));
  EXPECT_EQ(other.iterations, 2u);
  EXPECT_EQ(other.parallelism, 2u);
  EXPECT_EQ(other.salt, "saltsaltsaltsalt");
  EXPECT_EQ(other.hash.size(), 16u);
}

TEST(PhcStringTest, FormatInvertsParse) {
  for (absl::string_view encoded :
       {kLibargon2Small, kLibargon2ShortHash,
        absl::string_view("$argon2i$v=19$m=4096,t=3,p=4$MDEyMzQ1Njc$"
                          "aq42HBL+IPAitHspChw/8mx5JRX2jFDkTmlsBskwH/0")}) {
    ASSERT_OK_AND_ASSIGN(PhcString phc, ParsePhcString(encoded));
    EXPECT_EQ(FormatPhcString(phc), encoded);
  }
}

TEST(PhcStringTest, AcceptsTheBoundsThemselves) {
  EXPECT_THAT(ParsePhcString(Phc("m=1048576,t=100,p=64")), IsOk());
  EXPECT_THAT(ParsePhcString(Phc("m=512,t=1,p=64")), IsOk());  // exactly 8 KiB per lane
  EXPECT_THAT(ParsePhcString(Phc("m=8,t=1,p=1", ZeroBytesBase64(8), ZeroBytesBase64(16))), IsOk());
  EXPECT_THAT(ParsePhcString(Phc("m=8,t=1,p=1", ZeroBytesBase64(64), ZeroBytesBase64(128))),
              IsOk());
}

struct MalformedCase {
  std::string name;
  std::string encoded;
  std::string message;  // a substring the error must contain
};

class MalformedPhcStringTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedPhcStringTest, IsInvalidArgumentNamingTheFault) {
  const MalformedCase& test_case = GetParam();
  absl::StatusOr<PhcString> parsed = ParsePhcString(test_case.encoded);
  EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(test_case.message)));
  // The input may be a real hash: the message must not repeat it, not even its salt or tag.
  EXPECT_THAT(std::string(parsed.status().message()), Not(HasSubstr(kSalt16)));
  EXPECT_THAT(std::string(parsed.status().message()), Not(HasSubstr(kHash32.substr(0, 8))));
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedPhcStringTest,
    ::testing::ValuesIn(std::vector<MalformedCase>{
        {"Empty", "", "expected $algorithm"},
        {"NoLeadingDollar", std::string(kLibargon2Small.substr(1)), "expected $algorithm"},
        {"MissingHash", Phc("m=64,t=1,p=1").substr(0, Phc("m=64,t=1,p=1").rfind('$')),
         "expected $algorithm"},
        {"EmptyHash", Phc("m=64,t=1,p=1", kSalt16, ""), "hash must be"},
        {"EmptySalt", Phc("m=64,t=1,p=1", "", kHash32), "salt must be"},
        {"ExtraField", absl::StrCat(kLibargon2Small, "$AAAA"), "expected $algorithm"},
        {"MissingVersion", absl::StrCat("$argon2id$m=64,t=1,p=1$", kSalt16, "$", kHash32),
         "expected $algorithm"},
        {"TrailingGarbage", absl::StrCat(kLibargon2Small, "!"), "hash is not valid base64"},
        {"TrailingNewline", absl::StrCat(kLibargon2Small, "\n"), "hash is not valid base64"},
        {"TrailingNul", absl::StrCat(kLibargon2Small, std::string(1, '\0')),
         "hash is not valid base64"},
        {"TooLong", absl::StrCat(kLibargon2Small, std::string(600, 'A')), "too long"},
        {"AlgorithmUppercase", absl::StrCat("$Argon2id", kLibargon2Small.substr(9)),
         "unsupported algorithm"},
        {"Bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
         "expected $algorithm"},
        {"Scrypt", absl::StrCat("$scrypt$v=19$m=64,t=1,p=1$", kSalt16, "$", kHash32),
         "unsupported algorithm"},
        {"Version16", absl::StrCat("$argon2id$v=16$m=64,t=1,p=1$", kSalt16, "$", kHash32),
         "unsupported version"},
        {"VersionLeadingZero", absl::StrCat("$argon2id$v=019$m=64,t=1,p=1$", kSalt16, "$", kHash32),
         "malformed version"},
        {"VersionHex", absl::StrCat("$argon2id$v=0x13$m=64,t=1,p=1$", kSalt16, "$", kHash32),
         "malformed version"},
        {"ParamsReordered", Phc("t=1,m=64,p=1"), "malformed memory"},
        {"ParamMissing", Phc("m=64,t=1"), "exactly the parameters"},
        {"ParamExtra", Phc("m=64,t=1,p=1,keyid=abc"), "exactly the parameters"},
        {"ParamEmptyValue", Phc("m=,t=1,p=1"), "malformed memory"},
        {"ParamNegative", Phc("m=64,t=-1,p=1"), "malformed iterations"},
        {"ParamPlusSign", Phc("m=64,t=+1,p=1"), "malformed iterations"},
        {"ParamLeadingZero", Phc("m=064,t=1,p=1"), "malformed memory"},
        {"ParamSpace", Phc("m=64, t=1,p=1"), "malformed iterations"},
        {"ParamOverflowsUint32", Phc("m=4294967296,t=1,p=1"), "malformed memory"},
        {"ParamHugeDigits", Phc("m=99999999999999999999,t=1,p=1"), "malformed memory"},
        {"ParallelismZero", Phc("m=64,t=1,p=0"), "parallelism (p) must be"},
        {"ParallelismTooHigh", Phc("m=65536,t=1,p=65"), "parallelism (p) must be"},
        {"IterationsZero", Phc("m=64,t=0,p=1"), "iterations (t) must be"},
        {"IterationsTooHigh", Phc("m=64,t=101,p=1"), "iterations (t) must be"},
        {"MemoryBelow8PerLane", Phc("m=31,t=1,p=4"), "at least 8 KiB per lane"},
        {"MemoryOverOneGiB", Phc("m=1048577,t=1,p=1"), "at most 1048576 KiB"},
        {"MemoryUint32Max", Phc("m=4294967295,t=1,p=1"), "at most 1048576 KiB"},
        {"SaltPadded", Phc("m=64,t=1,p=1", "MDEyMzQ1Njc4OWFiY2RlZg==", kHash32),
         "salt is not valid base64"},
        {"SaltUrlSafeAlphabet", Phc("m=64,t=1,p=1", "MDEyMzQ1Njc4OWFi-_RlZg", kHash32),
         "salt is not valid base64"},
        {"SaltNonZeroTrailingBits", Phc("m=64,t=1,p=1", "MDEyMzQ1Njc4OWFiY2RlZh", kHash32),
         "salt is not valid base64"},
        {"SaltImpossibleLength", Phc("m=64,t=1,p=1", "MDEyMzQ1Njc4OWFiY2RlZgAAA", kHash32),
         "salt is not valid base64"},
        {"SaltTooShort", Phc("m=64,t=1,p=1", ZeroBytesBase64(7), kHash32), "salt must be"},
        {"SaltTooLong", Phc("m=64,t=1,p=1", ZeroBytesBase64(65), kHash32), "salt must be"},
        {"HashPadded", Phc("m=64,t=1,p=1", kSalt16, absl::StrCat(kHash32, "=")),
         "hash is not valid base64"},
        {"HashWithSpace", Phc("m=64,t=1,p=1", kSalt16, absl::StrCat("aq42 ", kHash32.substr(5))),
         "hash is not valid base64"},
        {"HashTooShort", Phc("m=64,t=1,p=1", kSalt16, ZeroBytesBase64(15)), "hash must be"},
        {"HashTooLong", Phc("m=64,t=1,p=1", kSalt16, ZeroBytesBase64(129)), "hash must be"},
    }),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST(Base64Test, MatchesRfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(Base64EncodeUnpadded(bytes), text);
    std::string decoded = "junk";
    ASSERT_TRUE(Base64DecodeUnpadded(text, &decoded)) << text;
    EXPECT_EQ(decoded, bytes);
  }
}

TEST(Base64Test, RoundTripsEveryByteValueAtEveryLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t length = 0; length <= all.size(); length += 1) {
    const std::string bytes = all.substr(all.size() - length);
    std::string decoded;
    ASSERT_TRUE(Base64DecodeUnpadded(Base64EncodeUnpadded(bytes), &decoded)) << length;
    EXPECT_EQ(decoded, bytes);
  }
}

TEST(Base64Test, RejectsNonCanonicalText) {
  std::string decoded;
  for (absl::string_view text :
       {"Z", "Zg=", "Zg==", "Zh", "Zm9", "Zm+", "Z-8", "Zm_", "Zm 8", "Zm8\n", "Zm8."}) {
    EXPECT_FALSE(Base64DecodeUnpadded(text, &decoded)) << text;
  }
}

}  // namespace
}  // namespace auth::hashing::internal
