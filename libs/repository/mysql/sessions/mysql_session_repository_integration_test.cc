// MysqlSessionRepository against a real, private MariaDB: creation, active lookups, revocation
// one by one and per user, expiry and its clock, and the users foreign key.
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/mysql/sessions/mysql_session_repository.h"
#include "libs/repository/mysql/testing/migrated_mariadb_test.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::repository::Session;
using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;

class MysqlSessionRepositoryTest : public MigratedMariadbTest {
 protected:
  void SetUp() override {
    MigratedMariadbTest::SetUp();
    user_id_ = CreateUniqueUser("sessions");
  }

  Session NewSession(absl::string_view jti, absl::Duration lifetime) {
    Session session;
    session.jti = std::string(jti);
    session.user_id = user_id_;
    session.expires_at = absl::Now() + lifetime;
    session.token_hash = std::string(64, 'a');
    session.client_address = "ipv4:127.0.0.1:5555";
    return session;
  }

  int64_t user_id_ = 0;
};

TEST_F(MysqlSessionRepositoryTest, CreatesAndFindsActive) {
  MysqlSessionRepository sessions(*pool_);
  const Session session = NewSession(absl::StrCat("jti-create-", user_id_), absl::Hours(1));
  ASSERT_THAT(sessions.Create(session), IsOk());
  ASSERT_OK_AND_ASSIGN(const Session found, sessions.FindActive(session.jti));
  EXPECT_EQ(found.jti, session.jti);
  EXPECT_EQ(found.user_id, user_id_);
  EXPECT_EQ(found.token_hash, session.token_hash);
  EXPECT_EQ(found.client_address, session.client_address);
  EXPECT_EQ(found.expires_at, absl::FromUnixMicros(absl::ToUnixMicros(session.expires_at)));
  EXPECT_LT(absl::AbsDuration(found.created_at - absl::Now()), absl::Seconds(5));
  EXPECT_EQ(found.revoked_at, std::nullopt);

  EXPECT_THAT(sessions.Create(session),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("jti already taken")));
  EXPECT_THAT(sessions.FindActive("no-such-jti"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlSessionRepositoryTest, RevokesOne) {
  MysqlSessionRepository sessions(*pool_);
  const std::string jti = absl::StrCat("jti-revoke-", user_id_);
  const std::string other = absl::StrCat("jti-keep-", user_id_);
  ASSERT_THAT(sessions.Create(NewSession(jti, absl::Hours(1))), IsOk());
  ASSERT_THAT(sessions.Create(NewSession(other, absl::Hours(1))), IsOk());
  ASSERT_THAT(sessions.Revoke(jti), IsOk());
  EXPECT_THAT(sessions.FindActive(jti), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(sessions.FindActive(other), IsOk());
  EXPECT_THAT(sessions.Revoke(jti), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(sessions.Revoke("no-such-jti"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlSessionRepositoryTest, RevokesAllForUser) {
  MysqlSessionRepository sessions(*pool_);
  MysqlUserRepository users(*pool_);
  ASSERT_OK_AND_ASSIGN(const int64_t bystander, users.Create(UniqueUser("bystander")));
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(
        sessions.Create(NewSession(absl::StrCat("jti-all-", user_id_, "-", i), absl::Hours(1))),
        IsOk());
  }
  ASSERT_THAT(sessions.Create(NewSession(absl::StrCat("jti-gone-", user_id_), -absl::Hours(1))),
              IsOk());
  Session theirs = NewSession(absl::StrCat("jti-theirs-", bystander), absl::Hours(1));
  theirs.user_id = bystander;
  ASSERT_THAT(sessions.Create(theirs), IsOk());

  EXPECT_THAT(sessions.RevokeAllForUser(user_id_), IsOkAndHolds(3));
  EXPECT_THAT(sessions.RevokeAllForUser(user_id_), IsOkAndHolds(0));
  EXPECT_THAT(sessions.FindActive(absl::StrCat("jti-all-", user_id_, "-0")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(sessions.FindActive(theirs.jti), IsOk());
}

TEST_F(MysqlSessionRepositoryTest, ExpiredIsNotActiveAndIsDeleted) {
  MysqlSessionRepository sessions(*pool_);
  const std::string expired = absl::StrCat("jti-expired-", user_id_);
  const std::string live = absl::StrCat("jti-live-", user_id_);
  ASSERT_THAT(sessions.Create(NewSession(expired, -absl::Seconds(1))), IsOk());
  ASSERT_THAT(sessions.Create(NewSession(live, absl::Hours(1))), IsOk());
  EXPECT_THAT(sessions.FindActive(expired), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(sessions.Revoke(expired), StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(const int64_t deleted, sessions.DeleteExpired(absl::Now()));
  EXPECT_GE(deleted, 1);
  // Deleted for real: a new session may reuse the jti.
  EXPECT_THAT(sessions.Create(NewSession(expired, absl::Hours(1))), IsOk());
  EXPECT_THAT(sessions.FindActive(live), IsOk());
  // Nothing expired before the far past.
  EXPECT_THAT(sessions.DeleteExpired(absl::UnixEpoch()), IsOkAndHolds(0));
}

TEST_F(MysqlSessionRepositoryTest, ClockDecidesActivity) {
  absl::Time now = absl::Now();
  MysqlSessionRepository sessions(*pool_, [&now] { return now; });
  const std::string jti = absl::StrCat("jti-clock-", user_id_);
  ASSERT_THAT(sessions.Create(NewSession(jti, absl::Minutes(5))), IsOk());
  EXPECT_THAT(sessions.FindActive(jti), IsOk());
  now += absl::Minutes(6);
  EXPECT_THAT(sessions.FindActive(jti), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlSessionRepositoryTest, SessionOfUnknownUserIsRefused) {
  MysqlSessionRepository sessions(*pool_);
  Session orphan = NewSession(absl::StrCat("jti-orphan-", user_id_), absl::Hours(1));
  orphan.user_id = 987654321;  // no such user: the foreign key refuses it
  EXPECT_THAT(sessions.Create(orphan),
              StatusIs(absl::StatusCode::kInternal, Not(HasSubstr("foreign key"))));
}

}  // namespace
}  // namespace auth::mysql_repository
