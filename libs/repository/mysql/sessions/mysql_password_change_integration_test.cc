// MysqlRefreshTokenRepository::ChangePassword() against a real, private MariaDB: the new hash is
// stored and the user's other sessions and refresh tokens end in the same transaction; a stale
// verified hash or an unknown user changes nothing.
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/refresh_token_integration_test_base.h"
#include "libs/repository/mysql/users/mysql_user_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::repository::PasswordChange;
using ::auth::repository::RotationOutcome;
using ::auth::repository::SessionGrant;
using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;

class MysqlPasswordChangeTest : public MysqlRefreshTokenTest {
 protected:
  std::string StoredHash(int64_t user_id) {
    absl::StatusOr<repository::User> user = MysqlUserRepository(*pool_).FindById(user_id);
    EXPECT_THAT(user, IsOk());
    return user.ok() ? user->password_hash : "";
  }

  // Whether the refresh token of `grant` would still rotate (a probe that rotates it).
  bool Rotates(MysqlRefreshTokenRepository& tokens, const SessionGrant& grant) {
    SessionGrant next;
    return tokens.Rotate(grant.refresh_token.token_hash, absl::ZeroDuration(), Successor(&next))
        .ok();
  }

  PasswordChange ChangeOf(int64_t user_id, std::string kept = "") {
    return {user_id, StoredHash(user_id), "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3aGFzaA",
            std::move(kept)};
  }
};

TEST_F(MysqlPasswordChangeTest, StoresTheHashAndEndsEverySessionOfTheUserOnly) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const int64_t bystander = CreateUniqueUser("bystander");
  const SessionGrant first = Grant(user_id_);
  const SessionGrant second = Grant(user_id_);
  const SessionGrant other = Grant(bystander);
  for (const SessionGrant* grant : {&first, &second, &other}) {
    ASSERT_THAT(tokens.Create(*grant, {}), IsOk());
  }
  const PasswordChange change = ChangeOf(user_id_);
  EXPECT_THAT(tokens.ChangePassword(change, {}), IsOkAndHolds(2));
  EXPECT_EQ(StoredHash(user_id_), change.new_password_hash);
  EXPECT_FALSE(Active(first));
  EXPECT_FALSE(Active(second));
  EXPECT_FALSE(Rotates(tokens, first));
  EXPECT_FALSE(Rotates(tokens, second));
  EXPECT_TRUE(Active(other));
  EXPECT_TRUE(Rotates(tokens, other));
}

TEST_F(MysqlPasswordChangeTest, KeepsTheNamedSessionAndItsFamily) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant kept = Grant(user_id_);
  const SessionGrant ended = Grant(user_id_);
  ASSERT_THAT(tokens.Create(kept, {}), IsOk());
  ASSERT_THAT(tokens.Create(ended, {}), IsOk());
  EXPECT_THAT(tokens.ChangePassword(ChangeOf(user_id_, kept.session.jti), {}), IsOkAndHolds(1));
  EXPECT_TRUE(Active(kept));
  EXPECT_FALSE(Active(ended));
  EXPECT_FALSE(Rotates(tokens, ended));
  SessionGrant next;
  EXPECT_THAT(tokens.Rotate(kept.refresh_token.token_hash, absl::ZeroDuration(), Successor(&next)),
              IsOkAndHolds(RotationOutcome::kRotated));
}

TEST_F(MysqlPasswordChangeTest, AStaleVerifiedHashOrAnUnknownUserChangesNothing) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant session = Grant(user_id_);
  ASSERT_THAT(tokens.Create(session, {}), IsOk());
  const std::string before = StoredHash(user_id_);
  PasswordChange stale = ChangeOf(user_id_);
  stale.verified_password_hash = "$argon2id$v=19$m=19456,t=2,p=1$b2xk$b2xkaGFzaA";
  EXPECT_THAT(tokens.ChangePassword(stale, {}), StatusIs(absl::StatusCode::kFailedPrecondition));
  PasswordChange unknown = ChangeOf(user_id_);
  unknown.user_id = user_id_ + 100000;
  EXPECT_THAT(tokens.ChangePassword(unknown, {}), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(StoredHash(user_id_), before);
  EXPECT_TRUE(Active(session));
  EXPECT_TRUE(Rotates(tokens, session));
}

}  // namespace
}  // namespace auth::mysql_repository
