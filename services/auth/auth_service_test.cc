// Unit tests of AuthServiceImpl: the real gRPC server and stub over loopback, with every
// collaborator a gMock mock, so each success and error path is driven exactly.

#include "services/auth/auth_service.h"

#include <openssl/sha.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/executor/bounded_executor.h"
#include "libs/hashing/password_hasher_mock.h"
#include "libs/repository/repository_mock.h"
#include "libs/token/token_mock.h"

namespace auth::service {
namespace {

using ::auth::hashing::MockPasswordHasher;
using ::auth::repository::MockSessionRepository;
using ::auth::repository::MockUserRepository;
using ::auth::repository::NewUser;
using ::auth::repository::Session;
using ::auth::repository::User;
using ::auth::token::IssuedToken;
using ::auth::token::MockTokenIssuer;
using ::auth::token::MockTokenVerifier;
using ::auth::token::TokenClaims;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::Optional;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::UnorderedElementsAre;

constexpr char kPassword[] = "client-side-digest-0123456789";
constexpr char kStoredHash[] = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo";
constexpr char kToken[] = "header.payload.signature";

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

User StoredUser(int64_t id = 42) {
  User user;
  user.id = id;
  user.username = "alice";
  user.email = "alice@example.com";
  user.phone_number = "+15551234567";
  user.password_hash = kStoredHash;
  return user;
}

TokenClaims ClaimsFor(absl::string_view subject, absl::string_view jti = "jti-1") {
  TokenClaims claims;
  claims.subject = std::string(subject);
  claims.jwt_id = std::string(jti);
  claims.issued_at = absl::Now();
  claims.expires_at = absl::Now() + absl::Minutes(15);
  return claims;
}

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(/*hashing_queue=*/16); }

  void StartServer(size_t hashing_queue) {
    hashing_ = std::make_unique<executor::BoundedExecutor>(
        executor::BoundedExecutor::Options{"hashing", 1, hashing_queue});
    database_ = std::make_unique<executor::BoundedExecutor>(
        executor::BoundedExecutor::Options{"database", 2, 16});
    service_ = std::make_unique<AuthServiceImpl>(AuthServiceDeps{
        &users_, &sessions_, &hasher_, &issuer_, &verifier_, hashing_.get(), database_.get()});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = auth::v1::AuthService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    server_->Shutdown();
    hashing_->Shutdown();
    database_->Shutdown();
  }

  grpc::Status Register(const auth::v1::RegisterRequest& request,
                        auth::v1::RegisterResponse* response) {
    grpc::ClientContext context;
    return stub_->Register(&context, request, response);
  }

  grpc::Status Logout(int32_t user_id, const std::string& header_key,
                      const std::string& header_value, auth::v1::LogoutResponse* response) {
    grpc::ClientContext context;
    if (!header_key.empty()) context.AddMetadata(header_key, header_value);
    auth::v1::LogoutRequest request;
    request.set_user_id(user_id);
    return stub_->Logout(&context, request, response);
  }

  static auth::v1::RegisterRequest ValidRegistration() {
    auth::v1::RegisterRequest request;
    request.set_username("alice");
    request.set_email("Alice@Example.com");
    request.set_password_hash(kPassword);
    request.set_phone_number("+15551234567");
    return request;
  }

  static auth::v1::LoginRequest LoginByEmail() {
    auth::v1::LoginRequest request;
    request.set_email("ALICE@example.com");
    request.set_password_hash(kPassword);
    return request;
  }

  StrictMock<MockUserRepository> users_;
  StrictMock<MockSessionRepository> sessions_;
  StrictMock<MockPasswordHasher> hasher_;
  StrictMock<MockTokenIssuer> issuer_;
  StrictMock<MockTokenVerifier> verifier_;
  std::unique_ptr<executor::BoundedExecutor> hashing_;
  std::unique_ptr<executor::BoundedExecutor> database_;
  std::unique_ptr<AuthServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

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
  stub_->async()->Register(&first_context, new auth::v1::RegisterRequest(ValidRegistration()),
                           &first_response, [&](grpc::Status s) {
                             first_status = s;
                             first_done.Notify();
                           });
  hashing_started.WaitForNotification();

  // ...so a second call with a short deadline expires while queued: Hash is not called again.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  auth::v1::RegisterResponse response;
  grpc::Status status = stub_->Register(&context, ValidRegistration(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

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
  EXPECT_CALL(sessions_, Create(AllOf(Field(&Session::jti, "jti-1"), Field(&Session::user_id, 42),
                                      Field(&Session::expires_at, claims.expires_at),
                                      Field(&Session::token_hash, Sha256Hex(kToken)),
                                      Field(&Session::client_address, HasSubstr("127.0.0.1")))))
      .WillOnce(Return(absl::OkStatus()));

  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  grpc::Status status = stub_->Login(&context, LoginByEmail(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.jwt_token(), kToken);

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
  EXPECT_CALL(sessions_, Create(_)).WillOnce(Return(absl::OkStatus()));
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
  EXPECT_CALL(sessions_, Create(_)).WillOnce(Return(absl::OkStatus()));
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
  EXPECT_CALL(sessions_, Create(_)).WillOnce(Return(absl::UnavailableError("gone")));
  grpc::ClientContext context;
  auth::v1::LoginResponse response;
  EXPECT_EQ(stub_->Login(&context, LoginByEmail(), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(response.jwt_token().empty());
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
  Session session;
  session.jti = "jti-1";
  session.user_id = 42;
  session.token_hash = Sha256Hex(kToken);
  EXPECT_CALL(sessions_, FindActive(absl::string_view("jti-1"))).WillOnce(Return(session));
  EXPECT_CALL(sessions_, RevokeAllForUser(42)).WillOnce(Return(3));
  auth::v1::LogoutResponse response;
  grpc::Status status = Logout(42, "authorization", std::string("Bearer ") + kToken, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "User logout successfully");
  EXPECT_EQ(response.status(), 200);
}

TEST_F(AuthServiceTest, LogoutAcceptsTheTokenCookie) {
  EXPECT_CALL(verifier_, Verify(absl::string_view(kToken))).WillOnce(Return(ClaimsFor("42")));
  Session session;
  session.user_id = 42;
  session.token_hash = Sha256Hex(kToken);
  EXPECT_CALL(sessions_, FindActive(_)).WillOnce(Return(session));
  EXPECT_CALL(sessions_, RevokeAllForUser(42)).WillOnce(Return(1));
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

TEST_F(AuthServiceTest, LogoutWithRevokedSessionIsUnauthenticated) {
  EXPECT_CALL(verifier_, Verify(_)).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(sessions_, FindActive(_)).WillOnce(Return(absl::NotFoundError("no session")));
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthServiceTest, LogoutRefusesATokenThatIsNotTheSessionsToken) {
  EXPECT_CALL(verifier_, Verify(_)).WillOnce(Return(ClaimsFor("42")));
  Session session;
  session.user_id = 42;
  session.token_hash = Sha256Hex("some other token");
  EXPECT_CALL(sessions_, FindActive(_)).WillOnce(Return(session));
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthServiceTest, LogoutReportsDatabaseOutageAsUnavailable) {
  EXPECT_CALL(verifier_, Verify(_)).WillOnce(Return(ClaimsFor("42")));
  EXPECT_CALL(sessions_, FindActive(_)).WillOnce(Return(absl::UnavailableError("down")));
  auth::v1::LogoutResponse response;
  EXPECT_EQ(Logout(42, "authorization", std::string("Bearer ") + kToken, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace auth::service
