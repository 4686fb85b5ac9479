// MockSessionRepository: a gMock mock of SessionRepository, for tests of its callers.
//
//   StrictMock<MockSessionRepository> sessions;
//   EXPECT_CALL(sessions, Revoke("jti-1")).WillOnce(Return(absl::OkStatus()));
#ifndef LIBS_REPOSITORY_SESSION_REPOSITORY_MOCK_H_
#define LIBS_REPOSITORY_SESSION_REPOSITORY_MOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/repository/session_repository.h"

namespace auth::repository {

class MockSessionRepository : public SessionRepository {
 public:
  MOCK_METHOD(absl::Status, Create, (const Session& session), (override));
  MOCK_METHOD(absl::StatusOr<Session>, FindActive, (absl::string_view jti), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<Session>>, FindActiveMany,
              (const std::vector<std::string>& jtis), (override));
  MOCK_METHOD(absl::Status, Revoke, (absl::string_view jti), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, RevokeAllForUser, (int64_t user_id), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, DeleteExpired, (absl::Time now), (override));
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_SESSION_REPOSITORY_MOCK_H_
