// AuditSampler: a bounded number of events per second, and the count of those left out.
#include "libs/audit/audit_sampler.h"

#include <cstdint>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace auth::audit {
namespace {

TEST(AuditSamplerTest, AdmitsTheFirstPerSecondAndCountsTheRest) {
  AuditSampler sampler(/*per_second=*/3);
  const absl::Time start = absl::FromUnixSeconds(1000);
  int64_t suppressed = -1;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(sampler.Admit(start + absl::Milliseconds(i), &suppressed));
    EXPECT_EQ(suppressed, 0);
  }
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(sampler.Admit(start + absl::Milliseconds(500), &suppressed));
  }
  // The next second: recorded again, saying how many were left out.
  EXPECT_TRUE(sampler.Admit(start + absl::Seconds(1), &suppressed));
  EXPECT_EQ(suppressed, 1000);
  EXPECT_TRUE(sampler.Admit(start + absl::Seconds(1), &suppressed));
  EXPECT_EQ(suppressed, 0);
}

}  // namespace
}  // namespace auth::audit
