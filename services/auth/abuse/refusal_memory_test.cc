#include "services/auth/abuse/refusal_memory.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace auth::service {
namespace {

TEST(RefusalMemoryTest, RemembersARefusalUntilItEnds) {
  RefusalMemory memory;
  const absl::Time now = absl::Now();
  EXPECT_EQ(memory.RefusedFor("refresh-address:a", now), absl::ZeroDuration());
  EXPECT_TRUE(memory.Remember("refresh-address:a", now + absl::Minutes(10)));
  EXPECT_EQ(memory.RefusedFor("refresh-address:a", now), absl::Minutes(10));
  EXPECT_EQ(memory.RefusedFor("refresh-address:b", now), absl::ZeroDuration());
  EXPECT_EQ(memory.RefusedFor("refresh-address:a", now + absl::Minutes(10)), absl::ZeroDuration());
  // A later refusal extends it; an earlier one does not shorten it.
  EXPECT_FALSE(memory.Remember("refresh-address:a", now + absl::Minutes(20)));  // known already
  EXPECT_FALSE(memory.Remember("refresh-address:a", now + absl::Minutes(1)));
  EXPECT_EQ(memory.RefusedFor("refresh-address:a", now), absl::Minutes(20));
}

TEST(RefusalMemoryTest, StaysWithinItsCapacityDroppingEndedRefusalsFirst) {
  RefusalMemory memory(/*capacity=*/2);
  const absl::Time now = absl::Now();
  memory.Remember("ended", now - absl::Seconds(1));
  memory.Remember("running", now + absl::Hours(1));
  memory.Remember("new", now + absl::Hours(1));  // replaces the ended one
  EXPECT_EQ(memory.size(), 2u);
  EXPECT_GT(memory.RefusedFor("new", now), absl::ZeroDuration());
  memory.Remember("no room", now + absl::Hours(1));  // both still running: not remembered
  EXPECT_EQ(memory.size(), 2u);
  EXPECT_EQ(memory.RefusedFor("no room", now), absl::ZeroDuration());
  EXPECT_GT(memory.RefusedFor("running", now), absl::ZeroDuration());
}

}  // namespace
}  // namespace auth::service
