// Unit tests of AuthServiceImpl's Register (see testing/service_fixture.h), and of what every
// handler does with a call whose deadline passes while it queues.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/notification.h"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::repository::NewUser;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Optional;
using ::testing::Return;

// Register reaches the users table and the hasher: invalid input must reach neither, and a call
// whose deadline passed in the queue must not be hashed.
class RegisterTest : public ServiceTest {
 protected:
  RegisterTest() : ServiceTest({Collaborator::kUsers, Collaborator::kHasher}) {}
};

// --- Register ---

TEST_F(RegisterTest, RegisterStoresNormalisedUserWithHashedPassword) {
  EXPECT_CALL(hasher_, Hash(absl::string_view(kPasswordDigest))).WillOnce(Return(kStoredHash));
  EXPECT_CALL(
      users_,
      Create(AllOf(Field(&NewUser::username, "alice"), Field(&NewUser::email, "alice@example.com"),
                   Field(&NewUser::phone_number, Optional(std::string("+15551234567"))),
                   Field(&NewUser::password_hash, kStoredHash))))
      .WillOnce(Return(7));
  auth::v1::RegisterResponse response;
  grpc::Status status = Register(ValidRegistration(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "User registered successfully");
  EXPECT_EQ(response.status(), 201);
}

TEST_F(RegisterTest, RegisterRejectsInvalidInputBeforeAnyWork) {
  auth::v1::RegisterRequest request = ValidRegistration();
  request.set_email("not an email");
  auth::v1::RegisterResponse response;
  grpc::Status status = Register(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("email"));

  request = ValidRegistration();
  request.set_password_hash("short");
  status = Register(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), AllOf(HasSubstr("password_hash"), Not(HasSubstr("short"))));
}

TEST_F(RegisterTest, RegisterMapsDuplicateToAlreadyExistsNamingTheField) {
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Return(kStoredHash));
  EXPECT_CALL(users_, Create(_)).WillOnce(Return(absl::AlreadyExistsError("email already taken")));
  auth::v1::RegisterResponse response;
  grpc::Status status = Register(ValidRegistration(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("email"));
}

TEST_F(RegisterTest, RegisterHidesDatabaseDetails) {
  EXPECT_CALL(hasher_, Hash(_)).WillRepeatedly(Return(kStoredHash));
  EXPECT_CALL(users_, Create(_))
      .WillOnce(Return(absl::UnavailableError("Can't connect to server on /tmp/x.sock")))
      .WillOnce(Return(absl::InternalError("Table 'auth.users' doesn't exist")));
  auth::v1::RegisterResponse response;
  grpc::Status status = Register(ValidRegistration(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), Not(HasSubstr("sock")));
  status = Register(ValidRegistration(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), Not(HasSubstr("users")));
}

TEST_F(RegisterTest, RegisterFailsInternallyWhenHashingFails) {
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Return(absl::InternalError("argon2: memory")));
  auth::v1::RegisterResponse response;
  EXPECT_EQ(Register(ValidRegistration(), &response).error_code(), grpc::StatusCode::INTERNAL);
}

TEST_F(RegisterTest, CallWhoseDeadlinePassesInTheQueueIsNotWorkedOn) {
  test_util::Notification hashing_started, release_hashing;
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Invoke([&](absl::string_view) {
    hashing_started.Notify();
    release_hashing.WaitForNotification();
    return absl::StatusOr<std::string>(kStoredHash);
  }));
  EXPECT_CALL(users_, Create(_)).WillOnce(Return(1));

  // The first call occupies the only hashing worker...
  auth::v1::RegisterResponse first_response;
  grpc::ClientContext first_context;
  grpc::Status first_status;
  test_util::Notification first_done;
  const auth::v1::RegisterRequest first_request = ValidRegistration();  // outlives the call
  stub_->async()->Register(&first_context, &first_request, &first_response, [&](grpc::Status s) {
    first_status = s;
    first_done.Notify();
  });
  hashing_started.WaitForNotification();

  // ...so a second call with a short deadline expires while queued: Hash is not called again.
  constexpr absl::Duration kTimeout = absl::Milliseconds(200);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kTimeout));
  auth::v1::RegisterResponse response;
  grpc::Status status;
  test_util::Notification done;
  const auth::v1::RegisterRequest request = ValidRegistration();
  stub_->async()->Register(&context, &request, &response, [&](grpc::Status s) {
    status = s;
    done.Notify();
  });
  while (hashing_->queued() < 1 && !done.HasBeenNotified()) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  const absl::Time queued_at = absl::Now();
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The client's timer fires first; the server's deadline is the timeout counted from when it
  // received the call (before queued_at), rounded up on the wire. Release the worker only once
  // that has passed too, or the worker may legitimately pick the call up while it is still live.
  absl::SleepFor(queued_at + kTimeout + absl::Milliseconds(50) - absl::Now());

  release_hashing.Notify();
  first_done.WaitForNotification();
  EXPECT_TRUE(first_status.ok());
}

}  // namespace
}  // namespace auth::service_testing
