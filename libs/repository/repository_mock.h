// gMock mocks of UserRepository, SessionRepository and RefreshTokenRepository, for tests of
// their callers.
//
//   StrictMock<MockUserRepository> users;
//   EXPECT_CALL(users, FindByEmail("a@x.org")).WillOnce(Return(absl::NotFoundError("")));
#ifndef LIBS_REPOSITORY_REPOSITORY_MOCK_H_
#define LIBS_REPOSITORY_REPOSITORY_MOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"

namespace auth::repository {

class MockUserRepository : public UserRepository {
 public:
  MOCK_METHOD(absl::StatusOr<int64_t>, Create, (const NewUser& user), (override));
  MOCK_METHOD(absl::StatusOr<User>, FindById, (int64_t id), (override));
  MOCK_METHOD(absl::StatusOr<User>, FindByEmail, (absl::string_view email), (override));
  MOCK_METHOD(absl::StatusOr<User>, FindByPhone, (absl::string_view phone_number), (override));
  MOCK_METHOD(absl::Status, UpdatePasswordHash, (int64_t id, absl::string_view password_hash),
              (override));
};

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

// Rotate() does not call the GrantFn on its own; tests that need the successor call it from an
// action, e.g. Invoke([&](auto, auto, const auto& grant) { ... grant(presented) ... }).
class MockRefreshTokenRepository : public RefreshTokenRepository {
 public:
  MOCK_METHOD(absl::Status, Create, (const SessionGrant& grant), (override));
  MOCK_METHOD(absl::StatusOr<RotationOutcome>, Rotate,
              (absl::string_view token_hash, absl::Duration reuse_grace, const GrantFn& grant),
              (override));
  MOCK_METHOD(absl::Status, RevokeSessionFamily, (absl::string_view session_jti), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, RevokeAllForUser, (int64_t user_id), (override));
  MOCK_METHOD(absl::StatusOr<LogoutResults>, LogoutMany,
              (const std::vector<LogoutRequest>& requests), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, DeleteExpired, (absl::Time now), (override));
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_REPOSITORY_MOCK_H_
