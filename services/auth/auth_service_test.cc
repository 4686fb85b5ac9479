// Unit tests of AuthServiceImpl's Register, Login and Logout (see auth_service_test_fixture.h);
// the token RPCs are tested in token_handlers_test.cc.

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/auth/auth_service_test_fixture.h"
#include "services/auth/opaque_tokens.h"

namespace auth::service::testing {
namespace {

using ::auth::repository::LogoutResults;
using ::auth::repository::NewUser;
using ::auth::repository::RefreshToken;
using ::auth::repository::Session;
using ::auth::repository::SessionGrant;
using ::auth::token::IssuedToken;
using ::auth::token::TokenClaims;
using ::testing::_;
using ::testing::AllOf;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Optional;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::UnorderedElementsAre;

// --- Register ---

TEST_F(AuthServiceTest, RegisterStoresNormalisedUserWithHashedPassword) {
  EXPECT_CALL(hasher_, Hash(absl::string_view(kPassword))).WillOnce(Return(kStoredHash));
  EXPECT_CALL(users_, Create(AllOf(Field(&NewUser::username, "alice"),
                                   Field(&NewUser::email, "alice@example.com"),
                                   Field(&NewUser::phone_number, Optional(std::string("+15551234567"))),
                                   Field(&NewUser::password_hash, kStoredHash))))
      .WillOnce(Return(7));
  auth::v1::RegisterResponse response;
  grpc::Status status = Register(ValidRegistration(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "User registered successfully");
  EXPECT_EQ(response.status(), 201);
}

TEST_F(AuthServiceTest, RegisterRejectsInvalidInputBeforeAnyWork) {
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

TEST_F(AuthServiceTest, RegisterMapsDuplicateToAlreadyExistsNamingTheField) {
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Return(kStoredHash));
  EXPECT_CALL(users_, Create(_)).WillOnce(Return(absl::AlreadyExistsError("email already taken")));
  auth::v1::RegisterResponse response;
  grpc::Status status = Register(ValidRegistration(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("email"));
}

TEST_F(AuthServiceTest, RegisterHidesDatabaseDetails) {
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

TEST_F(AuthServiceTest, RegisterFailsInternallyWhenHashingFails) {
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Return(absl::InternalError("argon2: memory")));
  auth::v1::RegisterResponse response;
  EXPECT_EQ(Register(ValidRegistration(), &response).error_code(), grpc::StatusCode::INTERNAL);
}

TEST_F(AuthServiceTest, CallWhoseDeadlinePassesInTheQueueIsNotWorkedOn) {
  absl::Notification hashing_started, release_hashing;
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
  absl::Notification first_done;
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
  absl::Notification done;
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

// --- Login ---

TEST_F(AuthServiceTest, LoginByEmailOpensSessionAndSetsCookies) {
  EXPECT_CALL(users_, FindByEmail(absl::string_view("alice@example.com")))
      .WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(absl::string_view(kPassword), absl::string_view(kStoredHash)))
      .WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(absl::string_view(kStoredHash))).WillOnce(Return(false));
  const TokenClaims claims = ClaimsFor("42");
  EXPECT_CALL(issuer_, Issue(absl::string_view("42")))
      .WillOnce(Return(IssuedToken{kToken, claims}));
  SessionGrant stored;
  const absl::Time before = absl::Now();
  EXPECT_CALL(refresh_tokens_,
              Create(Field(&SessionGrant::session,
                           AllOf(Field(&Session::jti, "jti-1"), Field(&Session::user_id, 42),
                                 Field(&Session::expires_at, claims.expires_at),
                                 Field(&Session::token_hash, Sha256Hex(kToken)),
                                 Field(&Session::client_address, HasSubstr("127.0.0.1"))))))
      .WillOnce(DoAll(SaveArg<0>(&stored), Return(absl::OkStatus())));

  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  grpc::Status status = stub_->Login(&context, LoginByEmail(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.jwt_token(), kToken);
  EXPECT_EQ(response.expires_at_unix_seconds(), absl::ToUnixSeconds(claims.expires_at));
  // The refresh token is returned once and stored only as a digest, in a family of its own.
  EXPECT_EQ(response.refresh_token().size(), 43u);
  const RefreshToken& refresh = stored.refresh_token;
  EXPECT_EQ(refresh.token_hash, Sha256Hex(response.refresh_token()));
  EXPECT_EQ(refresh.family_id, "jti-1");
  EXPECT_EQ(refresh.session_jti, "jti-1");
  EXPECT_EQ(refresh.user_id, 42);
  EXPECT_GE(refresh.expires_at, before + absl::Hours(24 * 30));
  EXPECT_LE(refresh.expires_at, absl::Now() + absl::Hours(24 * 30));

  std::vector<std::string> cookies;
  auto range = context.GetServerInitialMetadata().equal_range("set-cookie");
  for (auto it = range.first; it != range.second; ++it) {
    cookies.emplace_back(it->second.data(), it->second.size());
  }
  EXPECT_THAT(cookies,
              UnorderedElementsAre(
                  AllOf(HasSubstr("user_id=42; Path=/; Max-Age="),
                        HasSubstr("HttpOnly; Secure; SameSite=Strict")),
                  AllOf(HasSubstr(std::string("jwt-token=") + kToken + "; Path=/; Max-Age="),
                        HasSubstr("HttpOnly; Secure; SameSite=Strict"))));
}

TEST_F(AuthServiceTest, LoginByPhoneLooksUpThePhone) {
  EXPECT_CALL(users_, FindByPhone(absl::string_view("+15551234567"))).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
  EXPECT_CALL(issuer_, Issue(_)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  EXPECT_CALL(refresh_tokens_, Create(_)).WillOnce(Return(absl::OkStatus()));
  auth::v1::LoginRequest request;
  request.set_phone_number("+15551234567");
  request.set_password_hash(kPassword);
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  ASSERT_TRUE(stub_->Login(&context, request, &response).ok());
  EXPECT_EQ(response.user_id(), 42);
}

TEST_F(AuthServiceTest, LoginUnknownUserIsNotFoundWithoutHashing) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(absl::NotFoundError("no user")));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuthServiceTest, LoginWrongPasswordIsUnauthenticatedAndOpensNoSession) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(false));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  grpc::Status status = stub_->Login(&context, LoginByEmail(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(context.GetServerInitialMetadata(), ::testing::IsEmpty());
}

TEST_F(AuthServiceTest, LoginUpgradesAnOutdatedHash) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, Hash(absl::string_view(kPassword))).WillOnce(Return("$argon2id$new"));
  EXPECT_CALL(users_, UpdatePasswordHash(42, absl::string_view("$argon2id$new")))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(issuer_, Issue(_)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  EXPECT_CALL(refresh_tokens_, Create(_)).WillOnce(Return(absl::OkStatus()));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_TRUE(stub_->Login(&context, LoginByEmail(), &response).ok());
}

TEST_F(AuthServiceTest, LoginWithUnreadableStoredHashIsInternal) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(absl::InvalidArgumentError("bad PHC")));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  // Not INVALID_ARGUMENT: the caller's input was fine, our stored data is not.
  EXPECT_EQ(stub_->Login(&context, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::INTERNAL);
}

TEST_F(AuthServiceTest, LoginFailsWhenTheSessionCannotBeStored) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
  EXPECT_CALL(issuer_, Issue(_)).WillOnce(Return(IssuedToken{kToken, ClaimsFor("42")}));
  EXPECT_CALL(refresh_tokens_, Create(_)).WillOnce(Return(absl::UnavailableError("gone")));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(response.jwt_token().empty());
  EXPECT_TRUE(response.refresh_token().empty());
}

TEST_F(AuthServiceTest, LoginRefusesAUserIdThatDoesNotFitTheApi) {
  EXPECT_CALL(users_, FindByEmail(_)).WillOnce(Return(StoredUser(int64_t{1} << 31)));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, NeedsRehash(_)).WillOnce(Return(false));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::INTERNAL);
}

TEST_F(AuthServiceTest, LoginNeedsExactlyOneIdentifier) {
  auth::v1::LoginRequest request = LoginByEmail();
  request.set_phone_number("+15551234567");
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// --- Logout ---

TEST_F(AuthServiceTest, LogoutWithBearerTokenRevokesAllSessions) {
  EXPECT_CALL(verifier_, Verify(absl::string_view(kToken))).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_,
              LogoutMany(ElementsAre(LogoutRequestIs("jti-1", 42, kToken, false))))
      .WillOnce(Return(LogoutResults{{true}, 3}));
  auth::v1::LogoutResponse response;
  grpc::Status status = Logout(42, "authorization", std::string("Bearer ") + kToken, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "User logout successfully");
  EXPECT_EQ(response.status(), 200);
}

TEST_F(AuthServiceTest, LogoutAcceptsTheTokenCookie) {
  EXPECT_CALL(verifier_, Verify(absl::string_view(kToken))).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_,
              LogoutMany(ElementsAre(LogoutRequestIs("jti-1", 42, kToken, false))))
      .WillOnce(Return(LogoutResults{{true}, 1}));
  auth::v1::LogoutResponse response;
  EXPECT_TRUE(Logout(42, "cookie", std::string("user_id=42; jwt-token=") + kToken, &response).ok());
}

TEST_F(AuthServiceTest, LogoutRejectsBadUserIdAndMissingOrInvalidTokens) {
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(0, "", "", &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Logout(-5, "", "", &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Logout(42, "", "", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Logout(42, "authorization", "Basic abc", &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  EXPECT_CALL(verifier_, Verify(_)).WillOnce(Return(absl::UnauthenticatedError("expired")));
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthServiceTest, LogoutWithAnotherUsersTokenIsPermissionDenied) {
  EXPECT_CALL(verifier_, Verify(_)).WillOnce(Return(ClaimsFor("7")));
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// The repository checks the presented session (active, this user's, this token's digest) in
// the logout's transaction; a session that fails the check is UNAUTHENTICATED.
TEST_F(AuthServiceTest, LogoutOfASessionThatIsNotActiveIsUnauthenticated) {
  EXPECT_CALL(verifier_, Verify(_)).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_,
              LogoutMany(ElementsAre(LogoutRequestIs("jti-1", 42, kToken, false))))
      .WillOnce(Return(LogoutResults{{false}, 0}));
  auth::v1::LogoutResponse response;
  grpc::Status status = Logout(42, "authorization", std::string("Bearer ") + kToken, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kToken)));
  EXPECT_EQ(response.status(), 0);
}

TEST_F(AuthServiceTest, LogoutReportsDatabaseOutageAsUnavailable) {
  EXPECT_CALL(verifier_, Verify(_)).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(_)).WillOnce(Return(absl::UnavailableError("down")));
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AuthServiceTest, LogoutOfTheCurrentSessionOnlyAsksForThatSessionOnly) {
  EXPECT_CALL(verifier_, Verify(absl::string_view(kToken))).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_,
              LogoutMany(ElementsAre(LogoutRequestIs("jti-1", 42, kToken, true))))
      .WillOnce(Return(LogoutResults{{true}, 1}));
  auth::v1::LogoutResponse response;
  grpc::Status status = Logout(42, "authorization", std::string("Bearer ") + kToken, &response,
                               /*current_session_only=*/true);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "User logout successfully");
}

TEST_F(AuthServiceTest, LogoutReportsAFailedRevocationWithoutItsDetails) {
  EXPECT_CALL(verifier_, Verify(_)).WillRepeatedly(Return(ClaimsFor("42")));
  EXPECT_CALL(refresh_tokens_, LogoutMany(_))
      .WillOnce(Return(absl::InternalError("Deadlock found")))
      .WillOnce(Return(LogoutResults{{true, true}, 1}));  // answers a different batch
  auth::v1::LogoutResponse response;
  const std::string bearer = std::string("Bearer ") + kToken;
  grpc::Status status = Logout(42, "authorization", bearer, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), Not(HasSubstr("Deadlock")));
  EXPECT_EQ(Logout(42, "authorization", bearer, &response).error_code(),
            grpc::StatusCode::INTERNAL);
}

// Logouts that queue while the database workers are busy share one LogoutMany call, and
// each gets its own verdict.
TEST_F(AuthServiceTest, QueuedLogoutsShareOneTransactionAndKeepTheirOwnVerdicts) {
  const std::vector<std::string> tokens = {"token.of.one", "token.of.two", "token.of.three"};
  ExpectTokensOfUsers(tokens);
  std::mutex mu;
  size_t largest_batch = 0;
  size_t requests_seen = 0;
  EXPECT_CALL(refresh_tokens_, LogoutMany(_))
      .WillRepeatedly(Invoke([&](const std::vector<repository::LogoutRequest>& requests) {
        std::lock_guard<std::mutex> lock(mu);
        largest_batch = std::max(largest_batch, requests.size());
        requests_seen += requests.size();
        LogoutResults results;
        // User 2's session is no longer active; the others log out.
        for (const repository::LogoutRequest& request : requests) {
          results.logged_out.push_back(request.user_id != 2);
          EXPECT_EQ(request.token_hash, Sha256Hex(tokens[request.user_id - 1]));
        }
        return results;
      }));
  std::vector<grpc::Status> statuses(3);
  CallConcurrentlyBehindBusyDatabase(3, [&](int i) {
    auth::v1::LogoutResponse response;
    statuses[i] = Logout(i + 1, "authorization", "Bearer " + tokens[i], &response);
  });
  EXPECT_TRUE(statuses[0].ok()) << statuses[0].error_message();
  EXPECT_EQ(statuses[1].error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(statuses[2].ok()) << statuses[2].error_message();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(requests_seen, 3u);
  EXPECT_GE(largest_batch, 2u);
}

}  // namespace
}  // namespace auth::service::testing
