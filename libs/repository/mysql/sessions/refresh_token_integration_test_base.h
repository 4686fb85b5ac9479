// MysqlRefreshTokenTest: the base of the MysqlRefreshTokenRepository integration tests (a
// migrated private MariaDB, see ../testing/migrated_mariadb_test.h), with a user of its own per
// test and helpers that make grants and follow their sessions.
#ifndef LIBS_REPOSITORY_MYSQL_SESSIONS_REFRESH_TOKEN_INTEGRATION_TEST_BASE_H_
#define LIBS_REPOSITORY_MYSQL_SESSIONS_REFRESH_TOKEN_INTEGRATION_TEST_BASE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/repository/mysql/sessions/mysql_session_repository.h"
#include "libs/repository/mysql/testing/migrated_mariadb_test.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/repository/session_repository.h"

namespace auth::mysql_repository {

class MysqlRefreshTokenTest : public MigratedMariadbTest {
 protected:
  void SetUp() override {
    MigratedMariadbTest::SetUp();
    user_id_ = CreateUniqueUser("owner");
  }

  // A fresh session and refresh token of `user_id` in `family`, started at `family_started_at`
  // (a new family, started now, if empty).
  repository::SessionGrant Grant(int64_t user_id, std::string family = "",
                                 absl::Time family_started_at = absl::InfinitePast()) {
    const std::string n = absl::StrCat(Next());
    repository::SessionGrant grant;
    grant.session.jti = absl::StrCat("jti-", n);
    grant.session.user_id = user_id;
    grant.session.expires_at = absl::Now() + absl::Minutes(15);
    grant.session.token_hash = std::string(64, 'a');
    grant.session.client_address = "ipv4:127.0.0.1:5555";
    grant.refresh_token.token_hash = absl::StrCat(std::string(64 - n.size(), 'r'), n);
    grant.refresh_token.family_id = family.empty() ? grant.session.jti : family;
    // Whole microseconds, as DATETIME(6) keeps them.
    grant.refresh_token.family_started_at =
        family.empty() ? absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())) : family_started_at;
    grant.refresh_token.session_jti = grant.session.jti;
    grant.refresh_token.user_id = user_id;
    grant.refresh_token.expires_at = absl::Now() + absl::Hours(24);
    return grant;
  }

  // A GrantFn that continues the presented token's family and records what it granted.
  repository::RefreshTokenRepository::GrantFn Successor(repository::SessionGrant* granted) {
    return
        [this, granted](
            const repository::RefreshToken& presented) -> absl::StatusOr<repository::SessionGrant> {
          *granted = Grant(presented.user_id, presented.family_id, presented.family_started_at);
          return *granted;
        };
  }

  bool Active(const repository::SessionGrant& grant) {
    return MysqlSessionRepository(*pool_).FindActive(grant.session.jti).ok();
  }

  int64_t user_id_ = 0;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_SESSIONS_REFRESH_TOKEN_INTEGRATION_TEST_BASE_H_
