// The repository mocks stand in for their interfaces: a StrictMock answers what it is told to
// through the interface, which is all their callers' tests rely on.
#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/attempt_limiter_mock.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/repository/refresh_token_repository_mock.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/session_repository_mock.h"
#include "libs/repository/user_repository.h"
#include "libs/repository/user_repository_mock.h"
#include "libs/testing/status_matchers.h"

namespace auth::repository {
namespace {

using ::auth::test_util::StatusIs;
using ::testing::Return;
using ::testing::StrictMock;

TEST(MocksTest, UserRepository) {
  StrictMock<MockUserRepository> mock;
  EXPECT_CALL(mock, FindById(7)).WillOnce(Return(absl::NotFoundError("user not found")));
  UserRepository& users = mock;
  EXPECT_THAT(users.FindById(7), StatusIs(absl::StatusCode::kNotFound));
}

TEST(MocksTest, SessionRepository) {
  StrictMock<MockSessionRepository> mock;
  EXPECT_CALL(mock, RevokeAllForUser(7)).WillOnce(Return(int64_t{2}));
  SessionRepository& sessions = mock;
  EXPECT_EQ(sessions.RevokeAllForUser(7).value_or(-1), 2);
}

TEST(MocksTest, RefreshTokenRepository) {
  StrictMock<MockRefreshTokenRepository> mock;
  EXPECT_CALL(mock, DeleteExpired(absl::UnixEpoch())).WillOnce(Return(int64_t{3}));
  RefreshTokenRepository& tokens = mock;
  EXPECT_EQ(tokens.DeleteExpired(absl::UnixEpoch()).value_or(-1), 3);
}

TEST(MocksTest, AttemptLimiter) {
  StrictMock<MockAttemptLimiter> mock;
  EXPECT_CALL(mock, DeleteExpired(absl::UnixEpoch())).WillOnce(Return(int64_t{4}));
  AttemptLimiter& limiter = mock;
  EXPECT_EQ(limiter.DeleteExpired(absl::UnixEpoch()).value_or(-1), 4);
}

}  // namespace
}  // namespace auth::repository
