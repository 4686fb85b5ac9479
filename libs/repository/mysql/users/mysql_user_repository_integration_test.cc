// MysqlUserRepository against a real, private MariaDB: creation and lookups, case-insensitive
// email, duplicates named by field, password rehash, and concurrent registration.
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
#include "libs/repository/mysql/testing/migrated_mariadb_test.h"
#include "libs/repository/mysql/users/mysql_user_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::repository::NewUser;
using ::auth::repository::User;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::Eq;
using ::testing::Optional;

class MysqlUserRepositoryTest : public MigratedMariadbTest {};

TEST_F(MysqlUserRepositoryTest, CreatesAndFindsUsers) {
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

TEST_F(MysqlUserRepositoryTest, EmailIsCaseInsensitive) {
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

TEST_F(MysqlUserRepositoryTest, UserWithoutPhone) {
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

TEST_F(MysqlUserRepositoryTest, MissingUsersAreNotFound) {
  MysqlUserRepository users(*pool_);
  EXPECT_THAT(users.FindById(987654321), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users.FindById(-1), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users.FindByEmail("nobody@example.org"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users.FindByPhone("+10000000000"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(users.UpdatePasswordHash(987654321, "$argon2id$x"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlUserRepositoryTest, DuplicatesNameTheField) {
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

TEST_F(MysqlUserRepositoryTest, UpdatesPasswordHash) {
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

TEST_F(MysqlUserRepositoryTest, ConcurrentRegistrationOfOneEmailHasOneWinner) {
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

}  // namespace
}  // namespace auth::mysql_repository
