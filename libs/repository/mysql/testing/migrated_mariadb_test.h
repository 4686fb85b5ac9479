// MigratedMariadbTest: the base of the integration test suites of libs/repository/mysql/*/.
// Each suite gets one private MariaDB (//libs/mysql/testing:mariadb_server) whose database has
// the service's schema (ApplyMigrations), shared by its tests through a pool of 8; tests keep
// apart by using rows of their own (UniqueUser()).
//
//   class MysqlUserRepositoryTest : public MigratedMariadbTest {};
//   TEST_F(MysqlUserRepositoryTest, CreatesAndFindsUsers) {
//     MysqlUserRepository users(*pool_);
//     ASSERT_OK_AND_ASSIGN(int64_t id, users.Create(UniqueUser("create")));
//   }
#ifndef LIBS_REPOSITORY_MYSQL_TESTING_MIGRATED_MARIADB_TEST_H_
#define LIBS_REPOSITORY_MYSQL_TESTING_MIGRATED_MARIADB_TEST_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/mariadb_server.h"
#include "libs/repository/mysql/schema/migrations.h"
#include "libs/repository/mysql/users/mysql_user_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {

class MigratedMariadbTest : public ::testing::Test {
 protected:
  // Starts the server and migrates its database.
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<mysql_testing::MariadbServer>> server =
        mysql_testing::MariadbServer::Start();
    ASSERT_THAT(server, auth::test_util::IsOk());
    server_ = std::move(server).value().release();
    mysql::ConnectionPoolOptions options = server_->pool_options();
    options.size = 8;
    pool_ = new mysql::ConnectionPool(options);
    ASSERT_THAT(ApplyMigrations(*pool_), auth::test_util::IsOk());
  }

  static void TearDownTestSuite() {
    delete pool_;
    pool_ = nullptr;
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(pool_, nullptr) << "server did not start"; }

  // A user whose username, email and phone number no other test of the suite uses.
  static repository::NewUser UniqueUser(absl::string_view tag) {
    const int n = ++counter_;
    const std::string suffix = absl::StrCat(tag, "_", n);
    return repository::NewUser{.username = absl::StrCat("user_", suffix),
                               .email = absl::StrCat("mail_", suffix, "@example.org"),
                               .phone_number = absl::StrCat("+1555", n, "0", n),
                               .password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"};
  }

  // Stores UniqueUser(tag) and returns its id (0 after a failure, which fails the test).
  static int64_t CreateUniqueUser(absl::string_view tag) {
    absl::StatusOr<int64_t> id = MysqlUserRepository(*pool_).Create(UniqueUser(tag));
    EXPECT_THAT(id, auth::test_util::IsOk());
    return id.value_or(0);
  }

  // A number no other call of the suite gets (thread-safe).
  static int Next() { return ++counter_; }

  inline static mysql_testing::MariadbServer* server_ = nullptr;
  inline static mysql::ConnectionPool* pool_ = nullptr;

 private:
  inline static std::atomic<int> counter_{0};
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_TESTING_MIGRATED_MARIADB_TEST_H_
