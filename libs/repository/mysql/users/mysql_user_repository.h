// MysqlUserRepository: UserRepository over the `users` table (see ../schema/migrations/).
//
//   ConnectionPool pool(options);
//   MysqlUserRepository users(pool);
//   absl::StatusOr<int64_t> id = users.Create({.username = "alice", .email = "a@x.org",
//                                              .password_hash = phc});
#ifndef LIBS_REPOSITORY_MYSQL_USERS_MYSQL_USER_REPOSITORY_H_
#define LIBS_REPOSITORY_MYSQL_USERS_MYSQL_USER_REPOSITORY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/user_repository.h"

namespace auth::mysql_repository {

class MysqlUserRepository : public repository::UserRepository {
 public:
  // `pool` must outlive the repository.
  explicit MysqlUserRepository(mysql::ConnectionPool& pool) : pool_(pool) {}

  // Emails are stored lowercased whatever the caller passed.
  absl::StatusOr<int64_t> Create(const repository::NewUser& user) override;
  absl::StatusOr<repository::User> FindById(int64_t id) override;
  absl::StatusOr<repository::User> FindByEmail(absl::string_view email) override;
  absl::StatusOr<repository::User> FindByPhone(absl::string_view phone_number) override;
  absl::Status UpdatePasswordHash(int64_t id, absl::string_view password_hash) override;

 private:
  mysql::ConnectionPool& pool_;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_USERS_MYSQL_USER_REPOSITORY_H_
