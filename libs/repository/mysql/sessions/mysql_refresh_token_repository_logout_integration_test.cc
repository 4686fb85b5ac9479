// MysqlRefreshTokenRepository against a real, private MariaDB: batched logouts (LogoutMany) and
// lookups (FindActiveMany) of any batch size, each request ending only what it asks for.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/mysql_session_repository.h"
#include "libs/repository/mysql/sessions/refresh_token_integration_test_base.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::repository::LogoutRequest;
using ::auth::repository::SessionGrant;
using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;

LogoutRequest LogoutWith(const SessionGrant& grant, bool current_session_only = false) {
  return {grant.session.jti, grant.session.user_id, grant.session.token_hash, current_session_only};
}

TEST_F(MysqlRefreshTokenTest, LogoutManyChecksEachRequestAndEndsOnlyWhatItAsks) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const int64_t single = CreateUniqueUser("single");
  const int64_t bystander = CreateUniqueUser("bystander");
  const SessionGrant all_a = Grant(user_id_);
  const SessionGrant all_b = Grant(user_id_);
  const SessionGrant one_a = Grant(single);
  const SessionGrant one_b = Grant(single);
  const SessionGrant wrong_token = Grant(bystander);
  const SessionGrant revoked = Grant(bystander);
  for (const SessionGrant* grant : {&all_a, &all_b, &one_a, &one_b, &wrong_token, &revoked}) {
    ASSERT_THAT(tokens.Create(*grant, {}), IsOk());
  }
  ASSERT_THAT(tokens.RevokeSessionFamily(revoked.session.jti), IsOk());
  LogoutRequest forged = LogoutWith(wrong_token);
  forged.token_hash = std::string(64, 'f');
  LogoutRequest other_user = LogoutWith(one_b, true);
  other_user.user_id = bystander;
  LogoutRequest unknown = LogoutWith(all_a);
  unknown.session_jti = "no-such-jti";

  absl::StatusOr<repository::LogoutResults> results =
      tokens.LogoutMany({LogoutWith(all_a), LogoutWith(one_a, true), forged, LogoutWith(revoked),
                         other_user, unknown});
  ASSERT_THAT(results, IsOk());
  EXPECT_THAT(results->logged_out, ::testing::ElementsAre(true, true, false, false, false, false));
  EXPECT_EQ(results->sessions_revoked, 3);  // both of the first user's, one of `single`'s
  EXPECT_FALSE(Active(all_a));
  EXPECT_FALSE(Active(all_b));
  EXPECT_FALSE(Active(one_a));
  EXPECT_TRUE(Active(one_b));
  EXPECT_TRUE(Active(wrong_token));
  SessionGrant unused;
  EXPECT_THAT(
      tokens.Rotate(all_b.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      tokens.Rotate(one_a.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      tokens.Rotate(one_b.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      IsOkAndHolds(repository::RotationOutcome::kRotated));

  // A second logout with an ended session changes nothing and says so.
  results = tokens.LogoutMany({LogoutWith(all_a)});
  ASSERT_THAT(results, IsOk());
  EXPECT_THAT(results->logged_out, ::testing::ElementsAre(false));
  EXPECT_EQ(results->sessions_revoked, 0);
  EXPECT_THAT(tokens.LogoutMany({}), IsOk());
}

// A client whose access token has expired logs out with its refresh token: its family ends
// (sessions and refresh tokens), or every session of its user; another user's token, a rotated
// one and garbage change nothing.
TEST_F(MysqlRefreshTokenTest, LogoutWithRefreshTokenEndsItsFamilyOrEveryUserSession) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const int64_t other = CreateUniqueUser("other");
  const SessionGrant first = Grant(user_id_);
  const SessionGrant elsewhere = Grant(user_id_);
  const SessionGrant others = Grant(other);
  for (const SessionGrant* grant : {&first, &elsewhere, &others}) {
    ASSERT_THAT(tokens.Create(*grant, {}), IsOk());
  }
  SessionGrant second;  // the family's live token, after one rotation
  ASSERT_THAT(
      tokens.Rotate(first.refresh_token.token_hash, absl::ZeroDuration(), Successor(&second)),
      IsOkAndHolds(repository::RotationOutcome::kRotated));

  EXPECT_THAT(tokens.LogoutWithRefreshToken(std::string(64, 'z'), user_id_, true),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tokens.LogoutWithRefreshToken(first.refresh_token.token_hash, user_id_, true),
              StatusIs(absl::StatusCode::kNotFound));  // rotated: not the family's live token
  EXPECT_THAT(tokens.LogoutWithRefreshToken(others.refresh_token.token_hash, user_id_, true),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(Active(others));
  EXPECT_TRUE(Active(second));

  EXPECT_THAT(tokens.LogoutWithRefreshToken(second.refresh_token.token_hash, user_id_, true),
              IsOkAndHolds(1));
  EXPECT_FALSE(Active(second));
  EXPECT_TRUE(Active(elsewhere));
  SessionGrant unused;
  EXPECT_THAT(
      tokens.Rotate(second.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      StatusIs(absl::StatusCode::kNotFound));
  // Revoked now: a second logout with it finds nothing.
  EXPECT_THAT(tokens.LogoutWithRefreshToken(second.refresh_token.token_hash, user_id_, true),
              StatusIs(absl::StatusCode::kNotFound));

  // Without current_session_only every session of the user ends, and only the user's.
  const SessionGrant third = Grant(user_id_);
  ASSERT_THAT(tokens.Create(third, {}), IsOk());
  EXPECT_THAT(tokens.LogoutWithRefreshToken(third.refresh_token.token_hash, user_id_, false),
              IsOkAndHolds(2));
  EXPECT_FALSE(Active(third));
  EXPECT_FALSE(Active(elsewhere));
  EXPECT_TRUE(Active(others));
  EXPECT_THAT(
      tokens.Rotate(elsewhere.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      StatusIs(absl::StatusCode::kNotFound));
}

// Batches of every size share a few prepared statements (IN lists padded to a power of two)
// and longer ones are split; the answers must not depend on either.
TEST_F(MysqlRefreshTokenTest, LogoutManyAndFindActiveManyHandleAnyBatchSize) {
  MysqlRefreshTokenRepository tokens(*pool_);
  MysqlSessionRepository sessions(*pool_);
  std::vector<SessionGrant> grants;
  for (int i = 0; i < 70; ++i) {
    grants.push_back(Grant(CreateUniqueUser("batch")));
    ASSERT_THAT(tokens.Create(grants.back(), {}), IsOk());
  }
  std::vector<std::string> jtis;
  for (const SessionGrant& grant : grants) jtis.push_back(grant.session.jti);
  jtis.push_back("no-such-jti");
  absl::StatusOr<std::vector<repository::Session>> found = sessions.FindActiveMany(jtis);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->size(), 70u);

  // Log out 3, 5 and 61 users (IN lists padded to 4, 16 and 64), keeping the last one.
  size_t next = 0;
  int64_t revoked = 0;
  for (size_t batch : {3u, 5u, 62u}) {
    std::vector<LogoutRequest> requests;
    for (size_t i = 0; i < batch && next < 69; ++i) requests.push_back(LogoutWith(grants[next++]));
    absl::StatusOr<repository::LogoutResults> results = tokens.LogoutMany(requests);
    ASSERT_THAT(results, IsOk());
    EXPECT_EQ(results->logged_out, std::vector<bool>(requests.size(), true));
    revoked += results->sessions_revoked;
  }
  EXPECT_EQ(revoked, 69);
  found = sessions.FindActiveMany(jtis);
  ASSERT_THAT(found, IsOk());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].jti, grants[69].session.jti);
  EXPECT_EQ((*found)[0].token_hash, grants[69].session.token_hash);
  EXPECT_THAT(sessions.FindActiveMany({}), IsOk());
}

}  // namespace
}  // namespace auth::mysql_repository
