// MockAttemptLimiter: a gMock AttemptLimiter for tests of its callers.
//
//   StrictMock<MockAttemptLimiter> limiter;
//   EXPECT_CALL(limiter, Admit(_, _)).WillOnce(Return(Admission{.admitted = true}));
#ifndef LIBS_REPOSITORY_ATTEMPT_LIMITER_MOCK_H_
#define LIBS_REPOSITORY_ATTEMPT_LIMITER_MOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/repository/attempt_limiter.h"

namespace auth::repository {

class MockAttemptLimiter : public AttemptLimiter {
 public:
  MOCK_METHOD(absl::StatusOr<Admission>, Admit,
              (const std::vector<AttemptLimit>& limits, absl::Time now), (override));
  MOCK_METHOD(absl::Status, Settle, (const AttemptSettlement& settlement), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, DeleteExpired, (absl::Time now), (override));
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_ATTEMPT_LIMITER_MOCK_H_
