// MockUserRepository: a gMock mock of UserRepository, for tests of its callers.
//
//   StrictMock<MockUserRepository> users;
//   EXPECT_CALL(users, FindByEmail("a@x.org")).WillOnce(Return(absl::NotFoundError("")));
#ifndef LIBS_REPOSITORY_USER_REPOSITORY_MOCK_H_
#define LIBS_REPOSITORY_USER_REPOSITORY_MOCK_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "libs/repository/user_repository.h"

namespace auth::repository {

class MockUserRepository : public UserRepository {
 public:
  MOCK_METHOD(absl::StatusOr<int64_t>, Create, (const NewUser& user), (override));
  MOCK_METHOD(absl::StatusOr<User>, FindById, (int64_t id), (override));
  MOCK_METHOD(absl::StatusOr<User>, FindByEmail, (absl::string_view email), (override));
  MOCK_METHOD(absl::StatusOr<User>, FindByPhone, (absl::string_view phone_number), (override));
  MOCK_METHOD(absl::Status, UpdatePasswordHash, (int64_t id, absl::string_view password_hash),
              (override));
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_USER_REPOSITORY_MOCK_H_
