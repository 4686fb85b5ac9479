// EndpointSelector on a virtual clock: order of preference, failing endpoints passed over as a
// last resort, one claimed probe per interval, failback to a preferred endpoint, and recovery.
#include "libs/mysql/endpoint_selector.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::mysql {
namespace {

using ::testing::ElementsAre;

const absl::Time kStart = absl::FromUnixSeconds(1700000000);
constexpr absl::Duration kRetryAfter = absl::Seconds(5);

TEST(EndpointSelectorTest, AllHealthyIsTheOrderOfPreference) {
  EndpointSelector selector(3, kRetryAfter);
  EXPECT_EQ(selector.count(), 3);
  EXPECT_THAT(selector.ConnectOrder(kStart), ElementsAre(0, 1, 2));
  EXPECT_TRUE(selector.AnyHealthy());
  EXPECT_FALSE(selector.IsFailing(0));
  EXPECT_EQ(selector.FailbackTarget(0, kStart), -1);  // nothing is preferred to the first
}

TEST(EndpointSelectorTest, AFailingEndpointIsALastResortUntilItIsDueForAProbe) {
  EndpointSelector selector(3, kRetryAfter);
  selector.NoteFailure(0, kStart);
  EXPECT_TRUE(selector.IsFailing(0));
  EXPECT_THAT(selector.ConnectOrder(kStart + absl::Seconds(1)), ElementsAre(1, 2, 0));
  // Due: the first caller claims the probe and tries it first; the next ones pass it over.
  EXPECT_THAT(selector.ConnectOrder(kStart + kRetryAfter), ElementsAre(0, 1, 2));
  EXPECT_THAT(selector.ConnectOrder(kStart + kRetryAfter), ElementsAre(1, 2, 0));
  // The probe failed too: passed over for another interval from then.
  selector.NoteFailure(0, kStart + kRetryAfter);
  EXPECT_THAT(selector.ConnectOrder(kStart + kRetryAfter * 2 - absl::Seconds(1)),
              ElementsAre(1, 2, 0));
  EXPECT_THAT(selector.ConnectOrder(kStart + kRetryAfter * 2), ElementsAre(0, 1, 2));
}

TEST(EndpointSelectorTest, ASuccessEndsTheFailure) {
  EndpointSelector selector(2, kRetryAfter);
  selector.NoteFailure(0, kStart);
  selector.NoteSuccess(0);
  EXPECT_FALSE(selector.IsFailing(0));
  EXPECT_THAT(selector.ConnectOrder(kStart), ElementsAre(0, 1));
}

TEST(EndpointSelectorTest, FailbackGoesToAPreferredEndpointThatServesOrIsDue) {
  EndpointSelector selector(3, kRetryAfter);
  // A connection on endpoint 2 while 0 and 1 serve: 0 is the target.
  EXPECT_EQ(selector.FailbackTarget(2, kStart), 0);
  selector.NoteFailure(0, kStart);
  EXPECT_EQ(selector.FailbackTarget(2, kStart), 1);
  EXPECT_EQ(selector.FailbackTarget(1, kStart), -1);
  // Once endpoint 0 is due, one caller claims its probe.
  EXPECT_EQ(selector.FailbackTarget(1, kStart + kRetryAfter), 0);
  EXPECT_EQ(selector.FailbackTarget(1, kStart + kRetryAfter), -1);
}

TEST(EndpointSelectorTest, EveryEndpointFailingLeavesNoneHealthyButAllInOrder) {
  EndpointSelector selector(3, kRetryAfter);
  for (int i = 0; i < 3; ++i) selector.NoteFailure(i, kStart);
  EXPECT_FALSE(selector.AnyHealthy());
  EXPECT_THAT(selector.ConnectOrder(kStart), ElementsAre(0, 1, 2));
  selector.NoteSuccess(2);
  EXPECT_TRUE(selector.AnyHealthy());
  EXPECT_THAT(selector.ConnectOrder(kStart), ElementsAre(2, 0, 1));
}

}  // namespace
}  // namespace auth::mysql
