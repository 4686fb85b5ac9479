// The status matchers, including what they say when they do not match.
#include "libs/testing/status_matchers.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::test_util {
namespace {

using ::testing::ElementsAre;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// What `matcher` says about `value`.
template <typename Matcher, typename Value>
std::string Explain(const Matcher& matcher, const Value& value) {
  ::testing::StringMatchResultListener listener;
  ::testing::ExplainMatchResult(matcher, value, &listener);
  return listener.str();
}

TEST(StatusMatchersTest, IsOk) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(absl::StatusOr<int>(3), IsOk());
  EXPECT_THAT(absl::NotFoundError("gone"), Not(IsOk()));
  EXPECT_THAT(absl::StatusOr<int>(absl::InternalError("x")), Not(IsOk()));
}

TEST(StatusMatchersTest, StatusIs) {
  EXPECT_THAT(absl::NotFoundError("no such user"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(absl::StatusOr<int>(absl::NotFoundError("no such user")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("user")));
  EXPECT_THAT(absl::NotFoundError("no such user"),
              Not(StatusIs(absl::StatusCode::kNotFound, HasSubstr("session"))));
  EXPECT_THAT(absl::OkStatus(), Not(StatusIs(absl::StatusCode::kNotFound)));
}

TEST(StatusMatchersTest, IsOkAndHoldsAValueOrAMatcher) {
  EXPECT_THAT(absl::StatusOr<int>(7), IsOkAndHolds(7));
  EXPECT_THAT(absl::StatusOr<int>(7), IsOkAndHolds(Gt(5)));
  EXPECT_THAT(absl::StatusOr<bool>(false), IsOkAndHolds(false));
  EXPECT_THAT(absl::StatusOr<std::string>("alice"), IsOkAndHolds(StartsWith("al")));
  EXPECT_THAT(absl::StatusOr<std::vector<int>>(std::vector<int>{1, 2}),
              IsOkAndHolds(ElementsAre(1, 2)));
  EXPECT_THAT(absl::StatusOr<int>(7), Not(IsOkAndHolds(8)));
  EXPECT_THAT(absl::StatusOr<int>(absl::UnavailableError("down")), Not(IsOkAndHolds(Gt(0))));
}

TEST(StatusMatchersTest, IsOkAndHoldsExplainsAFailure) {
  EXPECT_THAT(Explain(IsOkAndHolds(8), absl::StatusOr<int>(7)), HasSubstr("holds 7"));
  EXPECT_THAT(Explain(IsOkAndHolds(8), absl::StatusOr<int>(absl::UnavailableError("down"))),
              HasSubstr("UNAVAILABLE: down"));
}

TEST(StatusMatchersTest, AssertOkAndAssignMovesTheValueOut) {
  ASSERT_OK_AND_ASSIGN(std::string value, absl::StatusOr<std::string>("moved"));
  EXPECT_EQ(value, "moved");
}

}  // namespace
}  // namespace auth::test_util
