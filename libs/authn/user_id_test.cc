#include "libs/authn/user_id.h"

#include <cstdint>
#include <limits>
#include <optional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::authn {
namespace {

using ::testing::Optional;

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();

TEST(IsApiUserIdTest, AcceptsPositiveInt32) {
  EXPECT_TRUE(IsApiUserId(1));
  EXPECT_TRUE(IsApiUserId(kMaxInt32));
}

TEST(IsApiUserIdTest, RefusesZeroNegativeAndTooLarge) {
  EXPECT_FALSE(IsApiUserId(0));
  EXPECT_FALSE(IsApiUserId(-1));
  EXPECT_FALSE(IsApiUserId(kMaxInt32 + 1));
}

TEST(UserIdFromSubjectTest, ReadsCanonicalDecimal) {
  EXPECT_THAT(UserIdFromSubject("42"), Optional(42));
  EXPECT_THAT(UserIdFromSubject("2147483647"), Optional(2147483647));
}

TEST(UserIdFromSubjectTest, RefusesNonCanonicalSpellings) {
  EXPECT_EQ(UserIdFromSubject(""), std::nullopt);
  EXPECT_EQ(UserIdFromSubject("042"), std::nullopt);
  EXPECT_EQ(UserIdFromSubject("+42"), std::nullopt);
  EXPECT_EQ(UserIdFromSubject(" 42"), std::nullopt);
  EXPECT_EQ(UserIdFromSubject("42 "), std::nullopt);
  EXPECT_EQ(UserIdFromSubject("4x2"), std::nullopt);
}

TEST(UserIdFromSubjectTest, RefusesIdsTheApiCannotCarry) {
  EXPECT_EQ(UserIdFromSubject("0"), std::nullopt);
  EXPECT_EQ(UserIdFromSubject("-1"), std::nullopt);
  EXPECT_EQ(UserIdFromSubject("2147483648"), std::nullopt);
  EXPECT_EQ(UserIdFromSubject("99999999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace auth::authn
