// MysqlRefreshTokenRepository against a real, private MariaDB: rotation, reuse detection (which
// revokes the whole family), the reuse grace (which ends once the successor is used), the
// family's start kept across rotations, revocation by session and by user, and ten
// threads rotating one token at once, and a login's settlement of its attempt counters written
// in the transaction that stores its session. (Batched logouts and lookups:
// mysql_refresh_token_repository_logout_integration_test.cc.)
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
#include "libs/mysql/testing/query.h"
#include "libs/repository/mysql/attempts/mysql_attempt_limiter.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/mysql_session_repository.h"
#include "libs/repository/mysql/sessions/refresh_token_integration_test_base.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql_testing::QueryInt;
using ::auth::repository::RotationOutcome;
using ::auth::repository::SessionGrant;
using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;

TEST_F(MysqlRefreshTokenTest, RotationReplacesTokenAndSession) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login, {}), IsOk());
  EXPECT_TRUE(Active(login));

  SessionGrant second;
  EXPECT_THAT(
      tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), Successor(&second)),
      IsOkAndHolds(RotationOutcome::kRotated));
  EXPECT_FALSE(Active(login));  // the old access token stops working too
  EXPECT_TRUE(Active(second));
  EXPECT_EQ(second.refresh_token.family_id, login.session.jti);

  SessionGrant third;
  EXPECT_THAT(
      tokens.Rotate(second.refresh_token.token_hash, absl::ZeroDuration(), Successor(&third)),
      IsOkAndHolds(RotationOutcome::kRotated));
  EXPECT_FALSE(Active(second));
  EXPECT_TRUE(Active(third));
}

TEST_F(MysqlRefreshTokenTest, ReuseRevokesTheWholeFamilyAndNothingElse) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  const SessionGrant other_login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login, {}), IsOk());
  ASSERT_THAT(tokens.Create(other_login, {}), IsOk());
  SessionGrant second;
  ASSERT_THAT(
      tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), Successor(&second)),
      IsOkAndHolds(RotationOutcome::kRotated));

  SessionGrant unused;
  repository::TokenOwner owner;
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused), &owner),
              IsOkAndHolds(RotationOutcome::kReuseDetected));
  EXPECT_TRUE(unused.session.jti.empty()) << "reuse must not grant anything";
  EXPECT_EQ(owner.user_id, user_id_);  // whose token was reused, to report it
  EXPECT_EQ(owner.family_id, login.refresh_token.family_id);
  // The newest token of the family and its session are dead...
  EXPECT_FALSE(Active(second));
  EXPECT_THAT(
      tokens.Rotate(second.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      StatusIs(absl::StatusCode::kNotFound));
  // ...presenting the reused one again is still reuse; the user's other login is untouched.
  EXPECT_THAT(
      tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      IsOkAndHolds(RotationOutcome::kReuseDetected));
  EXPECT_TRUE(unused.session.jti.empty());
  EXPECT_TRUE(Active(other_login));
  EXPECT_THAT(
      tokens.Rotate(other_login.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      IsOkAndHolds(RotationOutcome::kRotated));
}

// Within the grace a reuse is taken for a client retrying a lost response, but not once the
// successor it would have received has been used: then someone else holds the family.
TEST_F(MysqlRefreshTokenTest, ReuseWithinTheGraceRevokesNothingUntilTheSuccessorIsUsed) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login, {}), IsOk());
  SessionGrant second;
  ASSERT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::Hours(1), Successor(&second)),
              IsOkAndHolds(RotationOutcome::kRotated));
  SessionGrant unused;
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::Hours(1), Successor(&unused)),
              IsOkAndHolds(RotationOutcome::kReusedInGrace));
  EXPECT_TRUE(unused.session.jti.empty());
  EXPECT_TRUE(Active(second));
  SessionGrant third;
  EXPECT_THAT(tokens.Rotate(second.refresh_token.token_hash, absl::Hours(1), Successor(&third)),
              IsOkAndHolds(RotationOutcome::kRotated));

  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::Hours(1), Successor(&unused)),
              IsOkAndHolds(RotationOutcome::kReuseDetected));
  EXPECT_TRUE(unused.session.jti.empty());
  EXPECT_FALSE(Active(third));
  EXPECT_THAT(tokens.Rotate(third.refresh_token.token_hash, absl::Hours(1), Successor(&unused)),
              StatusIs(absl::StatusCode::kNotFound));
}

// The login's time travels with the family through every rotation, as stored and read back.
TEST_F(MysqlRefreshTokenTest, RotationsKeepTheFamilyStart) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login, {}), IsOk());
  SessionGrant second;
  ASSERT_THAT(
      tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), Successor(&second)),
      IsOkAndHolds(RotationOutcome::kRotated));
  absl::Time seen = absl::InfinitePast();
  SessionGrant third;
  auto record = [&](const repository::RefreshToken& presented) -> absl::StatusOr<SessionGrant> {
    seen = presented.family_started_at;
    return Successor(&third)(presented);
  };
  ASSERT_THAT(tokens.Rotate(second.refresh_token.token_hash, absl::ZeroDuration(), record),
              IsOkAndHolds(RotationOutcome::kRotated));
  EXPECT_EQ(seen, login.refresh_token.family_started_at);
  EXPECT_EQ(third.refresh_token.family_started_at, login.refresh_token.family_started_at);
}

TEST_F(MysqlRefreshTokenTest, UnknownAndExpiredTokensAreNotFound) {
  absl::Time now = absl::Now();
  MysqlRefreshTokenRepository tokens(*pool_, [&now] { return now; });
  SessionGrant unused;
  EXPECT_THAT(tokens.Rotate(std::string(64, 'x'), absl::ZeroDuration(), Successor(&unused)),
              StatusIs(absl::StatusCode::kNotFound));
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login, {}), IsOk());
  now += absl::Hours(25);
  EXPECT_THAT(
      tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(unused.session.jti.empty());
  // Tests share the database: other tests' tokens expired by `now` too.
  ASSERT_OK_AND_ASSIGN(const int64_t deleted, tokens.DeleteExpired(now));
  EXPECT_GE(deleted, 1);
  EXPECT_THAT(tokens.DeleteExpired(now), IsOkAndHolds(int64_t{0}));
}

// IsUnused() is what Rotate() would rotate, read without a write: a live token only.
TEST_F(MysqlRefreshTokenTest, IsUnusedOnlyForALiveTokenAndWritesNothing) {
  absl::Time now = absl::Now();
  MysqlRefreshTokenRepository tokens(*pool_, [&now] { return now; });
  EXPECT_THAT(tokens.IsUnused(std::string(64, 'y')), IsOkAndHolds(false));
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login, {}), IsOk());
  EXPECT_THAT(tokens.IsUnused(login.refresh_token.token_hash), IsOkAndHolds(true));
  SessionGrant second;
  ASSERT_THAT(
      tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), Successor(&second)),
      IsOkAndHolds(RotationOutcome::kRotated));
  EXPECT_THAT(tokens.IsUnused(login.refresh_token.token_hash), IsOkAndHolds(false));
  EXPECT_THAT(tokens.IsUnused(second.refresh_token.token_hash), IsOkAndHolds(true));
  // Asking about the rotated token revoked nothing (Rotate() would have revoked the family).
  EXPECT_TRUE(Active(second));
  ASSERT_THAT(tokens.RevokeSessionFamily(second.session.jti), IsOk());
  EXPECT_THAT(tokens.IsUnused(second.refresh_token.token_hash), IsOkAndHolds(false));
  const SessionGrant expiring = Grant(user_id_);
  ASSERT_THAT(tokens.Create(expiring, {}), IsOk());
  now += absl::Hours(25);
  EXPECT_THAT(tokens.IsUnused(expiring.refresh_token.token_hash), IsOkAndHolds(false));
}

TEST_F(MysqlRefreshTokenTest, AFailedGrantLeavesTheTokenUsable) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login, {}), IsOk());
  // A successor whose session jti is taken: the inserts fail, everything is rolled back.
  auto clashing = [&](const repository::RefreshToken& presented) -> absl::StatusOr<SessionGrant> {
    SessionGrant grant = Grant(presented.user_id, presented.family_id, presented.family_started_at);
    grant.session.jti = login.session.jti;
    grant.refresh_token.session_jti = login.session.jti;
    return grant;
  };
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), clashing),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_TRUE(Active(login));
  SessionGrant second;
  EXPECT_THAT(
      tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), Successor(&second)),
      IsOkAndHolds(RotationOutcome::kRotated));
}

TEST_F(MysqlRefreshTokenTest, ConcurrentRotationsOfOneTokenHaveOneWinner) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login, {}), IsOk());
  constexpr int kThreads = 10;
  std::vector<absl::StatusOr<RotationOutcome>> outcomes(kThreads, absl::UnknownError("unset"));
  std::vector<SessionGrant> granted(kThreads);
  // Grants are built outside the threads' shared state: each thread owns its slot.
  std::vector<repository::RefreshTokenRepository::GrantFn> grants;
  for (int i = 0; i < kThreads; ++i) grants.push_back(Successor(&granted[i]));
  {
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        while (!go.load()) std::this_thread::yield();
        outcomes[i] =
            tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), grants[i]);
      });
    }
    go = true;
    for (std::thread& t : threads) t.join();
  }
  int rotated = 0;
  int reused = 0;
  for (const auto& outcome : outcomes) {
    ASSERT_THAT(outcome, IsOk());
    if (*outcome == RotationOutcome::kRotated) ++rotated;
    if (*outcome == RotationOutcome::kReuseDetected) ++reused;
  }
  EXPECT_EQ(rotated, 1);
  EXPECT_EQ(reused, kThreads - 1);
  // The losers saw reuse, so the winner's new session went with the family.
  for (const SessionGrant& grant : granted) {
    if (!grant.session.jti.empty()) {
      EXPECT_FALSE(Active(grant));
    }
  }
}

TEST_F(MysqlRefreshTokenTest, RevokeSessionFamilyEndsOneFamily) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  const SessionGrant other_login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login, {}), IsOk());
  ASSERT_THAT(tokens.Create(other_login, {}), IsOk());
  SessionGrant second;
  ASSERT_THAT(
      tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), Successor(&second)),
      IsOkAndHolds(RotationOutcome::kRotated));

  ASSERT_THAT(tokens.RevokeSessionFamily(second.session.jti), IsOk());
  EXPECT_FALSE(Active(second));
  SessionGrant unused;
  EXPECT_THAT(
      tokens.Rotate(second.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(Active(other_login));
  // Again, or for a session without a refresh token: nothing left to do, still OK.
  EXPECT_THAT(tokens.RevokeSessionFamily(second.session.jti), IsOk());
  MysqlSessionRepository sessions(*pool_);
  SessionGrant legacy = Grant(user_id_);
  ASSERT_THAT(sessions.Create(legacy.session), IsOk());
  EXPECT_THAT(tokens.RevokeSessionFamily(legacy.session.jti), IsOk());
  EXPECT_FALSE(Active(legacy));
}

TEST_F(MysqlRefreshTokenTest, RevokeAllForUserEndsEveryFamilyOfTheUserOnly) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const int64_t bystander = CreateUniqueUser("bystander");
  const SessionGrant first = Grant(user_id_);
  const SessionGrant second = Grant(user_id_);
  const SessionGrant theirs = Grant(bystander);
  for (const SessionGrant* grant : {&first, &second, &theirs}) {
    ASSERT_THAT(tokens.Create(*grant, {}), IsOk());
  }
  EXPECT_THAT(tokens.RevokeAllForUser(user_id_), IsOkAndHolds(int64_t{2}));
  EXPECT_FALSE(Active(first));
  EXPECT_FALSE(Active(second));
  SessionGrant unused;
  EXPECT_THAT(
      tokens.Rotate(first.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(Active(theirs));
  EXPECT_THAT(
      tokens.Rotate(theirs.refresh_token.token_hash, absl::ZeroDuration(), Successor(&unused)),
      IsOkAndHolds(RotationOutcome::kRotated));
}

// A login's writes after its hash are one transaction: the session, its refresh token and the
// settlement of its attempt counters commit together, or not at all.
TEST_F(MysqlRefreshTokenTest, CreateWritesTheSettlementInTheSessionsTransaction) {
  MysqlRefreshTokenRepository tokens(*pool_);
  MysqlAttemptLimiter limiter(*pool_);
  const std::string account = absl::StrCat("login-account:settle-", Next());
  const std::string address = absl::StrCat("login-address:settle-", Next());
  auto attempts = [&](const std::string& key) {
    return QueryInt(*pool_, absl::StrCat("SELECT attempts FROM attempt_counters WHERE "
                                         "counter_key = '",
                                         key, "'"));
  };
  auto admit = [&] {
    ASSERT_THAT(limiter.Admit({{account, 5, absl::Minutes(15)}, {address, 50, absl::Minutes(15)}},
                              absl::Now()),
                IsOk());
  };
  admit();
  admit();
  const SessionGrant login = Grant(user_id_);
  const repository::AttemptSettlement settlement{.reset_keys = {account}, .refund_keys = {address}};
  ASSERT_THAT(tokens.Create(login, settlement), IsOk());
  EXPECT_TRUE(Active(login));
  EXPECT_EQ(attempts(account), 0);  // reset
  EXPECT_EQ(attempts(address), 1);  // refunded once

  admit();  // account 1, address 2
  // The same session again: its INSERT fails, and the settlement is rolled back with it.
  EXPECT_THAT(tokens.Create(login, settlement), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(attempts(account), 1);
  EXPECT_EQ(attempts(address), 2);
  // A bad key is refused before anything is written.
  const SessionGrant another = Grant(user_id_);
  EXPECT_THAT(tokens.Create(another, {.reset_keys = {""}, .refund_keys = {}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(Active(another));
}

}  // namespace
}  // namespace auth::mysql_repository
