#include "libs/webauthn/cbor.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/webauthn/test_authenticator.h"

namespace auth::webauthn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsNull;
using ::testing::NotNull;
namespace enc = ::auth::webauthn::testing;

constexpr size_t kCap = 1024;

absl::Status DecodeStatus(const std::string& bytes, size_t cap = kCap) {
  return DecodeCbor(bytes, cap).status();
}

TEST(CborTest, DecodesAMapAndFindsItsMembers) {
  const std::string bytes =
      enc::CborMap(3, absl::StrCat(enc::CborInt(1), enc::CborInt(-7), enc::CborText("fmt"),
                                   enc::CborText("none"), enc::CborInt(-2), enc::CborBytes("xyz")));
  absl::StatusOr<CborItem> item = DecodeCbor(bytes, kCap);
  ASSERT_THAT(item, IsOk());
  absl::StatusOr<const cbor_item_t*> one = MapFindInt(item->get(), 1);
  ASSERT_THAT(one, IsOkAndHolds(NotNull()));
  EXPECT_THAT(CborInt(*one), IsOkAndHolds(-7));
  absl::StatusOr<const cbor_item_t*> fmt = MapFindText(item->get(), "fmt");
  ASSERT_THAT(fmt, IsOkAndHolds(NotNull()));
  EXPECT_THAT(CborText(*fmt), IsOkAndHolds("none"));
  absl::StatusOr<const cbor_item_t*> x = MapFindInt(item->get(), -2);
  ASSERT_THAT(x, IsOkAndHolds(NotNull()));
  EXPECT_THAT(CborBytes(*x), IsOkAndHolds("xyz"));
  EXPECT_THAT(MapFindInt(item->get(), 2), IsOkAndHolds(IsNull()));
  EXPECT_THAT(CborBytes(*fmt), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CborTest, PrefixSaysWhereTheItemEnds) {
  const std::string first = enc::CborMap(1, absl::StrCat(enc::CborInt(1), enc::CborInt(2)));
  absl::StatusOr<CborPrefix> prefix = DecodeCborPrefix(first + "\xa0", kCap);
  ASSERT_THAT(prefix, IsOk());
  EXPECT_EQ(prefix->bytes_read, first.size());
}

TEST(CborTest, RefusesTrailingBytes) {
  EXPECT_THAT(DecodeStatus(enc::CborInt(5) + std::string(1, '\0')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
}

TEST(CborTest, RefusesIndefiniteLengths) {
  // An indefinite map {1: 2}, array [1], byte string and text string.
  EXPECT_THAT(DecodeStatus(std::string("\xbf\x01\x02\xff", 4)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("indefinite")));
  EXPECT_THAT(DecodeStatus(std::string("\x9f\x01\xff", 3)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("indefinite")));
  EXPECT_THAT(DecodeStatus(std::string("\x5f\x41\x61\xff", 4)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("indefinite")));
  EXPECT_THAT(DecodeStatus(std::string("\x7f\x61\x61\xff", 4)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("indefinite")));
}

TEST(CborTest, RefusesDuplicateMapKeys) {
  EXPECT_THAT(DecodeStatus(enc::CborMap(2, absl::StrCat(enc::CborInt(3), enc::CborInt(-7),
                                                        enc::CborInt(3), enc::CborInt(-8)))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate")));
  EXPECT_THAT(DecodeStatus(enc::CborMap(2, absl::StrCat(enc::CborText("fmt"), enc::CborInt(1),
                                                        enc::CborText("fmt"), enc::CborInt(2)))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate")));
  // The same key as a different spelling (non-shortest head) is still the same key.
  EXPECT_THAT(
      DecodeStatus(enc::CborMap(2, absl::StrCat(enc::CborInt(3), enc::CborInt(1),
                                                std::string("\x18\x03", 2), enc::CborInt(2)))),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate")));
}

TEST(CborTest, RefusesOversizedInputBeforeDecoding) {
  const std::string big = enc::CborBytes(std::string(2000, 'a'));
  EXPECT_THAT(DecodeStatus(big),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exceeds")));
  EXPECT_THAT(DecodeStatus(big, 4096), IsOk());
}

TEST(CborTest, RefusesLengthsTheInputCannotHold) {
  // An array declaring 2^32-1 items, and a byte string longer than what follows.
  EXPECT_THAT(DecodeStatus(std::string("\x9a\xff\xff\xff\xff\x01", 6)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("length exceeds")));
  EXPECT_THAT(DecodeStatus(std::string("\x45\x01\x02", 3)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("truncated")));
}

TEST(CborTest, RefusesDeepNesting) {
  std::string nested(kMaxCborDepth, '\x81');
  EXPECT_THAT(DecodeStatus(nested + "\x01"), IsOk());
  EXPECT_THAT(DecodeStatus("\x81" + nested + "\x01"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("deep")));
}

TEST(CborTest, RefusesTagsFloatsAndOddKeys) {
  EXPECT_THAT(DecodeStatus(std::string("\xc2\x41\x01", 3)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tags")));
  EXPECT_THAT(DecodeStatus(std::string("\xf9\x3c\x00", 3)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("floats")));
  EXPECT_THAT(DecodeStatus(std::string("\xf7", 1)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeStatus(enc::CborMap(1, absl::StrCat(enc::CborBytes("k"), enc::CborInt(1)))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("keys")));
  EXPECT_THAT(DecodeStatus(std::string("\xf5", 1)), IsOk());  // true
  EXPECT_THAT(DecodeStatus(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeStatus(std::string("\x1c", 1)), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace auth::webauthn
