// MysqlUserRepository and MysqlSessionRepository against a real, private MariaDB.
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/connection_pool.h"
#include "libs/repository/migrations.h"
#include "libs/repository/mysql_session_repository.h"
#include "libs/repository/mysql_user_repository.h"
#include "libs/repository/testing/mariadb_server.h"
#include "libs/testing/status_matchers.h"

namespace auth::repository {
namespace {

using ::auth::repository::testing::MariadbServer;
using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

// Matches an absl::StatusOr<T> that holds `expected`.
MATCHER_P(HoldsValue, expected, "holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  *result_listener << "value is " << *arg;
  return *arg == expected;
}

class MysqlRepositoryTest : public ::testing::Test {
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

  void SetUp() override { ASSERT_NE(pool_, nullptr) << "server did not start"; }

  // A user with fields unique to this test, so tests share the database without clashing.
  NewUser UniqueUser(absl::string_view tag) {
    const std::string suffix = absl::StrCat(tag, "_", ++counter_);
    return NewUser{.username = absl::StrCat("user_", suffix),
                   .email = absl::StrCat("mail_", suffix, "@example.org"),
                   .phone_number = absl::StrCat("+1555", counter_, "0", counter_),
                   .password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"};
  }

  static MariadbServer* server_;
  static ConnectionPool* pool_;
  static int counter_;
};

MariadbServer* MysqlRepositoryTest::server_ = nullptr;
ConnectionPool* MysqlRepositoryTest::pool_ = nullptr;
int MysqlRepositoryTest::counter_ = 0;

TEST_F(MysqlRepositoryTest, CreatesAndFindsUsers) {
  MysqlUserRepository users(*pool_);
  const NewUser alice = UniqueUser("alice");
  const absl::Time before = absl::Now() - absl::Seconds(1);
  ASSERT_OK_AND_ASSIGN(const int64_t id, users.Create(alice));
  EXPECT_GT(id, 0);

  ASSERT_OK_AND_ASSIGN(const User by_id, users.FindById(id));
  EXPECT_EQ(by_id.id, id);
  EXPECT_EQ(by_id.username, alice.username);
  EXPECT_EQ(by_id.email, alice.email);
  EXPECT_THAT(by_id.phone_number, Optional(Eq(*alice.phone_number)));
  EXPECT_EQ(by_id.password_hash, alice.password_hash);
  EXPECT_GT(by_id.created_at, before);
  EXPECT_LT(by_id.created_at, absl::Now() + absl::Seconds(1));
  EXPECT_EQ(by_id.updated_at, by_id.created_at);

  ASSERT_OK_AND_ASSIGN(const User by_email, users.FindByEmail(alice.email));
  EXPECT_EQ(by_email.id, id);
  ASSERT_OK_AND_ASSIGN(const User by_phone, users.FindByPhone(*alice.phone_number));
  EXPECT_EQ(by_phone.id, id);
}

TEST_F(MysqlRepositoryTest, EmailIsCaseInsensitive) {
  MysqlUserRepository users(*pool_);
  NewUser mixed = UniqueUser("Case");
  mixed.email = "Mixed.Case_" + mixed.email;
  ASSERT_OK_AND_ASSIGN(const int64_t id, users.Create(mixed));

  ASSERT_OK_AND_ASSIGN(const User stored, users.FindById(id));
  EXPECT_EQ(stored.email, absl::AsciiStrToLower(mixed.email));
  ASSERT_OK_AND_ASSIGN(const User upper, users.FindByEmail(absl::AsciiStrToUpper(mixed.email)));
  EXPECT_EQ(upper.id, id);

  NewUser again = UniqueUser("case2");
  again.email = absl::AsciiStrToUpper(mixed.email);
  EXPECT_THAT(users.Create(again),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("email already taken")));
}

TEST_F(MysqlRepositoryTest, UserWithoutPhone) {
  MysqlUserRepository users(*pool_);
  NewUser first = UniqueUser("nophone1");
  first.phone_number.reset();
  NewUser second = UniqueUser("nophone2");
  second.phone_number.reset();
  ASSERT_OK_AND_ASSIGN(const int64_t id, users.Create(first));
  // NULL phone numbers do not collide in the unique index.
  EXPECT_THAT(users.Create(second), IsOk());
  ASSERT_OK_AND_ASSIGN(const User stored, users.FindById(id));
  EXPECT_EQ(stored.phone_number, std::nullopt);
}

TEST_F(MysqlRepositoryTest, MissingUsersAreNotFound) {
  MysqlUserRepository users(*pool_);
  EXPECT_THAT(users.FindById(987654321), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users.FindById(-1), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users.FindByEmail("nobody@example.org"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users.FindByPhone("+10000000000"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users.UpdatePasswordHash(987654321, "$argon2id$x"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlRepositoryTest, DuplicatesNameTheField) {
  MysqlUserRepository users(*pool_);
  const NewUser original = UniqueUser("dup");
  ASSERT_THAT(users.Create(original), IsOk());

  NewUser same_username = UniqueUser("dup_u");
  same_username.username = absl::AsciiStrToUpper(original.username);
  EXPECT_THAT(users.Create(same_username),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("username already taken")));

  NewUser same_email = UniqueUser("dup_e");
  same_email.email = original.email;
  EXPECT_THAT(users.Create(same_email),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("email already taken")));

  NewUser same_phone = UniqueUser("dup_p");
  same_phone.phone_number = original.phone_number;
  EXPECT_THAT(users.Create(same_phone),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("phone_number already taken")));
}

TEST_F(MysqlRepositoryTest, UpdatesPasswordHash) {
  MysqlUserRepository users(*pool_);
  ASSERT_OK_AND_ASSIGN(const int64_t id, users.Create(UniqueUser("rehash")));
  ASSERT_OK_AND_ASSIGN(const User before, users.FindById(id));
  const std::string new_hash = "$argon2id$v=19$m=131072,t=4,p=1$bmV3$bmV3aGFzaA";
  ASSERT_THAT(users.UpdatePasswordHash(id, new_hash), IsOk());
  // The same hash again changes no row but is still a success.
  ASSERT_THAT(users.UpdatePasswordHash(id, new_hash), IsOk());
  ASSERT_OK_AND_ASSIGN(const User after, users.FindById(id));
  EXPECT_EQ(after.password_hash, new_hash);
  EXPECT_GE(after.updated_at, before.updated_at);
  EXPECT_EQ(after.created_at, before.created_at);
}

TEST_F(MysqlRepositoryTest, ConcurrentRegistrationOfOneEmailHasOneWinner) {
  MysqlUserRepository users(*pool_);
  const std::string email = UniqueUser("race").email;
  constexpr int kThreads = 20;
  std::vector<absl::StatusCode> codes(kThreads);
  std::vector<std::string> messages(kThreads);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      NewUser user = UniqueUser(absl::StrCat("racer", i));
      user.email = email;
      threads.emplace_back([&users, &codes, &messages, user, i] {
        absl::StatusOr<int64_t> id = users.Create(user);
        codes[i] = id.status().code();
        messages[i] = std::string(id.status().message());
      });
    }
    for (std::thread& t : threads) t.join();
  }
  int ok = 0;
  int taken = 0;
  for (int i = 0; i < kThreads; ++i) {
    if (codes[i] == absl::StatusCode::kOk) ++ok;
    if (codes[i] == absl::StatusCode::kAlreadyExists) {
      ++taken;
      EXPECT_EQ(messages[i], "email already taken");
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(taken, kThreads - 1);
  EXPECT_LE(pool_->OpenCountForTest(), 8);
}

class MysqlSessionTest : public MysqlRepositoryTest {
 protected:
  void SetUp() override {
    MysqlRepositoryTest::SetUp();
    MysqlUserRepository users(*pool_);
    ASSERT_OK_AND_ASSIGN(user_id_, users.Create(UniqueUser("sessions")));
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

TEST_F(MysqlSessionTest, CreatesAndFindsActive) {
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

TEST_F(MysqlSessionTest, RevokesOne) {
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

TEST_F(MysqlSessionTest, RevokesAllForUser) {
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

  EXPECT_THAT(sessions.RevokeAllForUser(user_id_), HoldsValue(3));
  EXPECT_THAT(sessions.RevokeAllForUser(user_id_), HoldsValue(0));
  EXPECT_THAT(sessions.FindActive(absl::StrCat("jti-all-", user_id_, "-0")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(sessions.FindActive(theirs.jti), IsOk());
}

TEST_F(MysqlSessionTest, ExpiredIsNotActiveAndIsDeleted) {
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
  EXPECT_THAT(sessions.DeleteExpired(absl::UnixEpoch()), HoldsValue(0));
}

TEST_F(MysqlSessionTest, ClockDecidesActivity) {
  absl::Time now = absl::Now();
  MysqlSessionRepository sessions(*pool_, [&now] { return now; });
  const std::string jti = absl::StrCat("jti-clock-", user_id_);
  ASSERT_THAT(sessions.Create(NewSession(jti, absl::Minutes(5))), IsOk());
  EXPECT_THAT(sessions.FindActive(jti), IsOk());
  now += absl::Minutes(6);
  EXPECT_THAT(sessions.FindActive(jti), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlSessionTest, SessionOfUnknownUserIsRefused) {
  MysqlSessionRepository sessions(*pool_);
  Session orphan = NewSession(absl::StrCat("jti-orphan-", user_id_), absl::Hours(1));
  orphan.user_id = 987654321;  // no such user: the foreign key refuses it
  EXPECT_THAT(sessions.Create(orphan),
              StatusIs(absl::StatusCode::kInternal, Not(HasSubstr("foreign key"))));
}

}  // namespace
}  // namespace auth::repository
