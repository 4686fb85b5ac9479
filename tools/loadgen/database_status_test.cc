#include "tools/loadgen/database_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::loadgen {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::Pair;

TEST(ParseStatusCountersTest, ReadsTabAndSpaceSeparatedLinesAndSkipsTheRest) {
  EXPECT_THAT(ParseStatusCounters("Questions\t120\nHandler_commit   40\n"
                                  "Uptime_since_flush_status\tn/a\n\ngarbage\n"),
              ElementsAre(Pair("Handler_commit", DoubleEq(40)), Pair("Questions", DoubleEq(120))));
}

TEST(PerCallTest, DividesTheDeltasOfCountersPresentInBoth) {
  const StatusCounters before = {{"Questions", 100}, {"Handler_commit", 10}};
  const StatusCounters after = {{"Questions", 500}, {"Handler_commit", 210}, {"Com_select", 3}};
  EXPECT_THAT(PerCall(before, after, 100),
              ElementsAre(Pair("Handler_commit", DoubleEq(2)), Pair("Questions", DoubleEq(4))));
  EXPECT_TRUE(PerCall(before, after, 0).empty());
}

TEST(ReadStatusCountersTest, RunsTheCommand) {
  absl::StatusOr<StatusCounters> counters = ReadStatusCounters("printf 'Questions\\t7\\n'");
  ASSERT_THAT(counters.status(), IsOk());
  EXPECT_THAT(*counters, ElementsAre(Pair("Questions", DoubleEq(7))));
}

TEST(ReadStatusCountersTest, AFailingOrSilentCommandIsUnavailable) {
  EXPECT_THAT(ReadStatusCounters("exit 3").status(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(ReadStatusCounters("true").status(), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace auth::loadgen
