// MysqlRefreshTokenRepository against a real, private MariaDB: rotation, reuse detection (which
// revokes the whole family), the reuse grace, revocation by session and by user, ten threads
// rotating one token at once, and batched logouts (LogoutMany) and lookups (FindActiveMany).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/connection_pool.h"
#include "libs/repository/migrations.h"
#include "libs/repository/mysql_refresh_token_repository.h"
#include "libs/repository/mysql_session_repository.h"
#include "libs/repository/mysql_user_repository.h"
#include "libs/repository/testing/mariadb_server.h"
#include "libs/testing/status_matchers.h"

namespace auth::repository {
namespace {

using ::auth::repository::testing::MariadbServer;
using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;

// Matches an absl::StatusOr<T> that holds `expected`.
MATCHER_P(HoldsValue, expected, "holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return *arg == expected;
}

class MysqlRefreshTokenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<MariadbServer>> server = MariadbServer::Start();
    ASSERT_THAT(server, IsOk());
    server_ = std::move(server).value().release();
    ConnectionPoolOptions options = server_->pool_options();
    options.size = 8;
    pool_ = new ConnectionPool(options);
    ASSERT_THAT(ApplyMigrations(*pool_), IsOk());
  }

  static void TearDownTestSuite() {
    delete pool_;
    delete server_;
  }

  void SetUp() override {
    ASSERT_NE(pool_, nullptr) << "server did not start";
    user_id_ = NewUser("owner");
  }

  int64_t NewUser(absl::string_view tag) {
    MysqlUserRepository users(*pool_);
    const std::string suffix = absl::StrCat(tag, "_", ++counter_);
    absl::StatusOr<int64_t> id =
        users.Create({.username = absl::StrCat("user_", suffix),
                      .email = absl::StrCat("mail_", suffix, "@example.org"),
                      .phone_number = std::nullopt,
                      .password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"});
    EXPECT_THAT(id, IsOk());
    return id.value_or(0);
  }

  // A fresh session and refresh token of `user_id` in `family` (a new family if empty).
  SessionGrant Grant(int64_t user_id, std::string family = "") {
    const std::string n = absl::StrCat(++counter_);
    SessionGrant grant;
    grant.session.jti = absl::StrCat("jti-", n);
    grant.session.user_id = user_id;
    grant.session.expires_at = absl::Now() + absl::Minutes(15);
    grant.session.token_hash = std::string(64, 'a');
    grant.session.client_address = "ipv4:127.0.0.1:5555";
    grant.refresh_token.token_hash = absl::StrCat(std::string(64 - n.size(), 'r'), n);
    grant.refresh_token.family_id = family.empty() ? grant.session.jti : family;
    grant.refresh_token.session_jti = grant.session.jti;
    grant.refresh_token.user_id = user_id;
    grant.refresh_token.expires_at = absl::Now() + absl::Hours(24);
    return grant;
  }

  // A GrantFn that continues the presented token's family and records what it granted.
  RefreshTokenRepository::GrantFn Successor(SessionGrant* granted) {
    return [this, granted](const RefreshToken& presented) -> absl::StatusOr<SessionGrant> {
      *granted = Grant(presented.user_id, presented.family_id);
      return *granted;
    };
  }

  bool Active(const SessionGrant& grant) {
    return MysqlSessionRepository(*pool_).FindActive(grant.session.jti).ok();
  }

  static MariadbServer* server_;
  static ConnectionPool* pool_;
  static std::atomic<int> counter_;  // Successor() may run on the test's threads
  int64_t user_id_ = 0;
};

MariadbServer* MysqlRefreshTokenTest::server_ = nullptr;
ConnectionPool* MysqlRefreshTokenTest::pool_ = nullptr;
std::atomic<int> MysqlRefreshTokenTest::counter_{0};

TEST_F(MysqlRefreshTokenTest, RotationReplacesTokenAndSession) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login), IsOk());
  EXPECT_TRUE(Active(login));

  SessionGrant second;
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&second)),
              HoldsValue(RotationOutcome::kRotated));
  EXPECT_FALSE(Active(login));  // the old access token stops working too
  EXPECT_TRUE(Active(second));
  EXPECT_EQ(second.refresh_token.family_id, login.session.jti);

  SessionGrant third;
  EXPECT_THAT(tokens.Rotate(second.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&third)),
              HoldsValue(RotationOutcome::kRotated));
  EXPECT_FALSE(Active(second));
  EXPECT_TRUE(Active(third));
}

TEST_F(MysqlRefreshTokenTest, ReuseRevokesTheWholeFamilyAndNothingElse) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  const SessionGrant other_login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login), IsOk());
  ASSERT_THAT(tokens.Create(other_login), IsOk());
  SessionGrant second;
  ASSERT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&second)),
              HoldsValue(RotationOutcome::kRotated));

  SessionGrant unused;
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              HoldsValue(RotationOutcome::kReuseDetected));
  EXPECT_TRUE(unused.session.jti.empty()) << "reuse must not grant anything";
  // The newest token of the family and its session are dead...
  EXPECT_FALSE(Active(second));
  EXPECT_THAT(tokens.Rotate(second.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              StatusIs(absl::StatusCode::kNotFound));
  // ...presenting the reused one again is still reuse; the user's other login is untouched.
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              HoldsValue(RotationOutcome::kReuseDetected));
  EXPECT_TRUE(unused.session.jti.empty());
  EXPECT_TRUE(Active(other_login));
  EXPECT_THAT(tokens.Rotate(other_login.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              HoldsValue(RotationOutcome::kRotated));
}

TEST_F(MysqlRefreshTokenTest, ReuseWithinTheGraceRevokesNothing) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login), IsOk());
  SessionGrant second;
  ASSERT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::Hours(1), Successor(&second)),
              HoldsValue(RotationOutcome::kRotated));
  SessionGrant unused;
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::Hours(1), Successor(&unused)),
              HoldsValue(RotationOutcome::kReusedInGrace));
  EXPECT_TRUE(unused.session.jti.empty());
  EXPECT_TRUE(Active(second));
  SessionGrant third;
  EXPECT_THAT(tokens.Rotate(second.refresh_token.token_hash, absl::Hours(1), Successor(&third)),
              HoldsValue(RotationOutcome::kRotated));
}

TEST_F(MysqlRefreshTokenTest, UnknownAndExpiredTokensAreNotFound) {
  absl::Time now = absl::Now();
  MysqlRefreshTokenRepository tokens(*pool_, [&now] { return now; });
  SessionGrant unused;
  EXPECT_THAT(tokens.Rotate(std::string(64, 'x'), absl::ZeroDuration(), Successor(&unused)),
              StatusIs(absl::StatusCode::kNotFound));
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login), IsOk());
  now += absl::Hours(25);
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(unused.session.jti.empty());
  // Tests share the database: other tests' tokens expired by `now` too.
  ASSERT_OK_AND_ASSIGN(const int64_t deleted, tokens.DeleteExpired(now));
  EXPECT_GE(deleted, 1);
  EXPECT_THAT(tokens.DeleteExpired(now), HoldsValue(int64_t{0}));
}

TEST_F(MysqlRefreshTokenTest, AFailedGrantLeavesTheTokenUsable) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login), IsOk());
  // A successor whose session jti is taken: the inserts fail, everything is rolled back.
  auto clashing = [&](const RefreshToken& presented) -> absl::StatusOr<SessionGrant> {
    SessionGrant grant = Grant(presented.user_id, presented.family_id);
    grant.session.jti = login.session.jti;
    grant.refresh_token.session_jti = login.session.jti;
    return grant;
  };
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(), clashing),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_TRUE(Active(login));
  SessionGrant second;
  EXPECT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&second)),
              HoldsValue(RotationOutcome::kRotated));
}

TEST_F(MysqlRefreshTokenTest, ConcurrentRotationsOfOneTokenHaveOneWinner) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const SessionGrant login = Grant(user_id_);
  ASSERT_THAT(tokens.Create(login), IsOk());
  constexpr int kThreads = 10;
  std::vector<absl::StatusOr<RotationOutcome>> outcomes(kThreads, absl::UnknownError("unset"));
  std::vector<SessionGrant> granted(kThreads);
  // Grants are built outside the threads' shared state: each thread owns its slot.
  std::vector<RefreshTokenRepository::GrantFn> grants;
  for (int i = 0; i < kThreads; ++i) grants.push_back(Successor(&granted[i]));
  {
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        while (!go.load()) std::this_thread::yield();
        outcomes[i] = tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                                    grants[i]);
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
  ASSERT_THAT(tokens.Create(login), IsOk());
  ASSERT_THAT(tokens.Create(other_login), IsOk());
  SessionGrant second;
  ASSERT_THAT(tokens.Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&second)),
              HoldsValue(RotationOutcome::kRotated));

  ASSERT_THAT(tokens.RevokeSessionFamily(second.session.jti), IsOk());
  EXPECT_FALSE(Active(second));
  SessionGrant unused;
  EXPECT_THAT(tokens.Rotate(second.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
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
  const int64_t bystander = NewUser("bystander");
  const SessionGrant first = Grant(user_id_);
  const SessionGrant second = Grant(user_id_);
  const SessionGrant theirs = Grant(bystander);
  for (const SessionGrant* grant : {&first, &second, &theirs}) {
    ASSERT_THAT(tokens.Create(*grant), IsOk());
  }
  EXPECT_THAT(tokens.RevokeAllForUser(user_id_), HoldsValue(int64_t{2}));
  EXPECT_FALSE(Active(first));
  EXPECT_FALSE(Active(second));
  SessionGrant unused;
  EXPECT_THAT(tokens.Rotate(first.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(Active(theirs));
  EXPECT_THAT(tokens.Rotate(theirs.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              HoldsValue(RotationOutcome::kRotated));
}

// A request to log out with `grant`'s own session and token.
LogoutRequest LogoutWith(const SessionGrant& grant, bool current_session_only = false) {
  return {grant.session.jti, grant.session.user_id, grant.session.token_hash,
          current_session_only};
}

TEST_F(MysqlRefreshTokenTest, LogoutManyChecksEachRequestAndEndsOnlyWhatItAsks) {
  MysqlRefreshTokenRepository tokens(*pool_);
  const int64_t single = NewUser("single");
  const int64_t bystander = NewUser("bystander");
  const SessionGrant all_a = Grant(user_id_);
  const SessionGrant all_b = Grant(user_id_);
  const SessionGrant one_a = Grant(single);
  const SessionGrant one_b = Grant(single);
  const SessionGrant wrong_token = Grant(bystander);
  const SessionGrant revoked = Grant(bystander);
  for (const SessionGrant* grant : {&all_a, &all_b, &one_a, &one_b, &wrong_token, &revoked}) {
    ASSERT_THAT(tokens.Create(*grant), IsOk());
  }
  ASSERT_THAT(tokens.RevokeSessionFamily(revoked.session.jti), IsOk());
  LogoutRequest forged = LogoutWith(wrong_token);
  forged.token_hash = std::string(64, 'f');
  LogoutRequest other_user = LogoutWith(one_b, true);
  other_user.user_id = bystander;
  LogoutRequest unknown = LogoutWith(all_a);
  unknown.session_jti = "no-such-jti";

  absl::StatusOr<LogoutResults> results = tokens.LogoutMany(
      {LogoutWith(all_a), LogoutWith(one_a, true), forged, LogoutWith(revoked), other_user,
       unknown});
  ASSERT_THAT(results, IsOk());
  EXPECT_THAT(results->logged_out, ::testing::ElementsAre(true, true, false, false, false, false));
  EXPECT_EQ(results->sessions_revoked, 3);  // both of the first user's, one of `single`'s
  EXPECT_FALSE(Active(all_a));
  EXPECT_FALSE(Active(all_b));
  EXPECT_FALSE(Active(one_a));
  EXPECT_TRUE(Active(one_b));
  EXPECT_TRUE(Active(wrong_token));
  SessionGrant unused;
  EXPECT_THAT(tokens.Rotate(all_b.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tokens.Rotate(one_a.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tokens.Rotate(one_b.refresh_token.token_hash, absl::ZeroDuration(),
                            Successor(&unused)),
              HoldsValue(RotationOutcome::kRotated));

  // A second logout with an ended session changes nothing and says so.
  results = tokens.LogoutMany({LogoutWith(all_a)});
  ASSERT_THAT(results, IsOk());
  EXPECT_THAT(results->logged_out, ::testing::ElementsAre(false));
  EXPECT_EQ(results->sessions_revoked, 0);
  EXPECT_THAT(tokens.LogoutMany({}), IsOk());
}

// Batches of every size share a few prepared statements (IN lists padded to a power of two)
// and longer ones are split; the answers must not depend on either.
TEST_F(MysqlRefreshTokenTest, LogoutManyAndFindActiveManyHandleAnyBatchSize) {
  MysqlRefreshTokenRepository tokens(*pool_);
  MysqlSessionRepository sessions(*pool_);
  std::vector<SessionGrant> grants;
  for (int i = 0; i < 70; ++i) {
    grants.push_back(Grant(NewUser("batch")));
    ASSERT_THAT(tokens.Create(grants.back()), IsOk());
  }
  std::vector<std::string> jtis;
  for (const SessionGrant& grant : grants) jtis.push_back(grant.session.jti);
  jtis.push_back("no-such-jti");
  absl::StatusOr<std::vector<Session>> found = sessions.FindActiveMany(jtis);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->size(), 70u);

  // Log out 3, 5 and 61 users (IN lists padded to 4, 16 and 64), keeping the last one.
  size_t next = 0;
  int64_t revoked = 0;
  for (size_t batch : {3u, 5u, 62u}) {
    std::vector<LogoutRequest> requests;
    for (size_t i = 0; i < batch && next < 69; ++i) requests.push_back(LogoutWith(grants[next++]));
    absl::StatusOr<LogoutResults> results = tokens.LogoutMany(requests);
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
}  // namespace auth::repository
