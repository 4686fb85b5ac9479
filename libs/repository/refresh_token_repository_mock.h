// MockRefreshTokenRepository: a gMock mock of RefreshTokenRepository, for tests of its callers.
//
//   StrictMock<MockRefreshTokenRepository> tokens;
//   EXPECT_CALL(tokens, RevokeAllForUser(7)).WillOnce(Return(int64_t{2}));
#ifndef LIBS_REPOSITORY_REFRESH_TOKEN_REPOSITORY_MOCK_H_
#define LIBS_REPOSITORY_REFRESH_TOKEN_REPOSITORY_MOCK_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/repository/refresh_token_repository.h"

namespace auth::repository {

// Rotate() does not call the GrantFn on its own (nor fill the owner); tests that need the
// successor call it from an action, e.g.
// Invoke([&](auto, auto, const auto& grant, TokenOwner*) { ... grant(presented) ... }).
class MockRefreshTokenRepository : public RefreshTokenRepository {
 public:
  using RefreshTokenRepository::Rotate;  // the overload without an owner

  MOCK_METHOD(absl::Status, Create,
              (const SessionGrant& grant, const AttemptSettlement& settlement), (override));
  MOCK_METHOD(absl::StatusOr<RotationOutcome>, Rotate,
              (absl::string_view token_hash, absl::Duration reuse_grace, const GrantFn& grant,
               TokenOwner* owner),
              (override));
  MOCK_METHOD(absl::StatusOr<bool>, IsUnused, (absl::string_view token_hash), (override));
  MOCK_METHOD(absl::Status, RevokeSessionFamily, (absl::string_view session_jti), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, RevokeAllForUser, (int64_t user_id), (override));
  MOCK_METHOD(absl::StatusOr<LogoutResults>, LogoutMany,
              (const std::vector<LogoutRequest>& requests), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, LogoutWithRefreshToken,
              (absl::string_view token_hash, int64_t user_id, bool current_session_only),
              (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, ChangePassword,
              (const PasswordChange& change, const AttemptSettlement& settlement), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, DeleteExpired, (absl::Time now), (override));
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_REFRESH_TOKEN_REPOSITORY_MOCK_H_
