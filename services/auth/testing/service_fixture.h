// ServiceTest: the fixture of AuthServiceImpl's unit tests (register, login, logout,
// validate_token, refresh_token and attempt-gate tests in services/auth): the real gRPC server
// and stub over loopback, with every collaborator a mock, so each success and error path is
// driven exactly.
//
//   class RegisterTest : public ServiceTest {
//    protected:
//     RegisterTest() : ServiceTest({Collaborator::kUsers, Collaborator::kHasher}) {}
//   };
//
//   TEST_F(RegisterTest, RegisterCreatesTheUser) {
//     EXPECT_CALL(hasher_, Hash(Eq(kPasswordDigest))).WillOnce(Return(kStoredHash));
//     EXPECT_CALL(users_, Create(_)).WillOnce(Return(42));
//     auth::v1::RegisterResponse response;
//     EXPECT_TRUE(Register(ValidRegistration(), &response).ok());
//   }
//
// Each flow's suite names the collaborators under test; those are StrictMocks, the others
// NiceMocks. A collaborator under test is one the flow's handler reaches (it is the flow's
// database, hasher or token service), so an unexpected call of it is a bug of the flow: a hash
// after a refusal, a database call for garbage input, a session opened by a failed login. A
// collaborator the handler never reaches is incidental: a NiceMock, so that no test has to
// say it is not called. The suites, and why (each test's name says what it proves):
//   RegisterTest    users, hasher: invalid input does no work (no hash, no INSERT), and a call
//                   whose deadline passed in the queue is not hashed.
//   LoginTest       users, hasher, issuer, refresh_tokens: an invalid request looks nobody up,
//                   an unknown user is not hashed, a wrong password issues no token and stores
//                   no session, and the hash upgrade writes exactly the new hash.
//   LogoutTest      verifier, refresh_tokens: a bad user id or a missing token is neither
//                   verified nor sent to the database, and a refused token revokes nothing.
//   ValidateTokenTest  verifier, sessions: empty or oversized tokens are not verified, and
//                   forged or expired ones never reach the database.
//   RefreshTokenTest  refresh_tokens, issuer: empty or oversized tokens are not looked up, and
//                   an unknown or reused token gets no new token.
//   AttemptGateServiceTest  attempts, users, hasher, issuer, refresh_tokens: a refused login or
//                   registration computes no hash, and a failed login settles nothing.
//   AuditEventsTest  audit_log: each outcome records its event, with whom and why, and once.
//   ChangePasswordTest  users, sessions, refresh_tokens, hasher, verifier: bad input and bad
//                   tokens look nothing up, a wrong or refused password stores nothing, and a
//                   refused attempt computes no hash (AccountService, through account_stub_).
// The gRPC server and client are joined by the happens-before interceptors
// (libs/testing/grpc_happens_before.h), so ThreadSanitizer sees expectations set before a call
// and results read after it as ordered.
#ifndef SERVICES_AUTH_TESTING_SERVICE_FIXTURE_H_
#define SERVICES_AUTH_TESTING_SERVICE_FIXTURE_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/auth/v1/account.grpc.pb.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/audit/audit_log_mock.h"
#include "libs/executor/bounded_executor.h"
#include "libs/hashing/password_hasher_mock.h"
#include "libs/repository/attempt_limiter_mock.h"
#include "libs/repository/passkey_repository.h"
#include "libs/repository/refresh_token_repository_mock.h"
#include "libs/repository/second_factor_repository_mock.h"
#include "libs/repository/session_repository_mock.h"
#include "libs/repository/user_repository_mock.h"
#include "libs/token/token.h"
#include "libs/token/token_digest.h"
#include "libs/token/token_mock.h"
#include "services/auth/auth_service.h"

namespace auth::service_testing {

// The client-side password digest the requests carry (the API's password_hash).
inline constexpr char kPasswordDigest[] = "client-side-digest-0123456789";
// What the mocked hasher "stores" for it.
inline constexpr char kStoredHash[] =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo";
// An access token; the mocked verifier decides what it says.
inline constexpr char kToken[] = "header.payload.signature";

// The stored user `id` (alice) with kStoredHash.
repository::User StoredUser(int64_t id = 42);

// Claims of a live token of `subject` (a user id in decimal) for session `jti`.
token::TokenClaims ClaimsFor(absl::string_view subject, absl::string_view jti = "jti-1");

// The active session of `token`, as FindActiveMany() returns it.
repository::Session SessionOf(absl::string_view token, int64_t user_id = 42,
                              absl::string_view jti = "jti-1");

// The digest under which the service stores `token` (hex of DigestToken).
std::string TokenHash(absl::string_view token);

// Matches a repository::LogoutRequest for session `jti` of `user_id` presenting `token`.
MATCHER_P4(LogoutRequestIs, jti, user_id, token, current_session_only, "") {
  return arg.session_jti == jti && arg.user_id == user_id && arg.token_hash == TokenHash(token) &&
         arg.current_session_only == current_session_only;
}

// Matches the digest VerifyPrehashed() must be given for `token`.
MATCHER_P(IsDigestOf, token, "") { return arg == token::DigestToken(token); }

// The sizes of the batches a mocked batch call (FindActiveMany, LogoutMany) was given, recorded
// from whichever database worker calls it.
class BatchSizes {
 public:
  void Record(size_t size);
  // The largest batch, and the calls of all batches together.
  size_t largest() const;
  size_t total() const;

 private:
  mutable std::mutex mu_;
  size_t largest_ = 0;  // guarded by mu_
  size_t total_ = 0;    // guarded by mu_
};

class ServiceTest : public ::testing::Test {
 protected:
  // The mocked collaborators of AuthServiceImpl.
  enum class Collaborator {
    kUsers,
    kSessions,
    kRefreshTokens,
    kHasher,
    kIssuer,
    kVerifier,
    kAttempts,
    kAuditLog,
    kSecondFactors,
  };

  // `under_test` are StrictMocks, every other collaborator a NiceMock.
  explicit ServiceTest(std::initializer_list<Collaborator> under_test);

  void SetUp() override;
  void TearDown() override;

  // Starts the service (with `options`) behind a gRPC server on a free loopback port, and a
  // stub to it. The hashing executor has one worker and `hashing_queue` places.
  void StartServer(size_t hashing_queue, service::AuthServiceOptions options = {});
  // Stops the running server so StartServer() can start another (with other options).
  void StopServer();

  // Occupies every database worker until UnblockDatabaseWorkers(), so that calls queue up
  // (and batch) behind them.
  void BlockDatabaseWorkers();
  void UnblockDatabaseWorkers();

  // tokens[i] verifies (once, with its own digest) as the token of user i + 1, session
  // "jti-<i + 1>".
  void ExpectTokensOfUsers(const std::vector<std::string>& tokens);

  // Runs call(0) .. call(n - 1) on n threads while the database workers are blocked, so that
  // their database steps queue up (and batch), then releases the workers and waits for all.
  void CallConcurrentlyBehindBusyDatabase(int n, const std::function<void(int)>& call);

  // One call of each RPC through the stub.
  grpc::Status Register(const auth::v1::RegisterRequest& request,
                        auth::v1::RegisterResponse* response);
  grpc::Status Logout(int32_t user_id, const std::string& header_key,
                      const std::string& header_value, auth::v1::LogoutResponse* response,
                      bool current_session_only = false);
  grpc::Status Validate(const std::string& token, auth::v1::ValidateTokenResponse* response);
  grpc::Status Refresh(const std::string& refresh_token, auth::v1::RefreshTokenResponse* response);

  // Valid requests of alice.
  static auth::v1::RegisterRequest ValidRegistration();
  static auth::v1::LoginRequest LoginByEmail();

  // Owned here, a StrictMock or a NiceMock each (see the constructor); the references let
  // tests write EXPECT_CALL(users_, ...) whichever it is.
  std::unique_ptr<repository::MockUserRepository> owned_users_;
  std::unique_ptr<repository::MockSessionRepository> owned_sessions_;
  std::unique_ptr<repository::MockRefreshTokenRepository> owned_refresh_tokens_;
  std::unique_ptr<hashing::MockPasswordHasher> owned_hasher_;
  std::unique_ptr<token::MockTokenIssuer> owned_issuer_;
  std::unique_ptr<token::MockPrehashedTokenVerifier> owned_verifier_;
  std::unique_ptr<repository::MockAttemptLimiter> owned_attempts_;
  std::unique_ptr<audit::MockAuditLog> owned_audit_log_;
  std::unique_ptr<repository::MockSecondFactorRepository> owned_second_factors_;

  repository::MockUserRepository& users_;
  repository::MockSessionRepository& sessions_;
  repository::MockRefreshTokenRepository& refresh_tokens_;
  hashing::MockPasswordHasher& hasher_;
  token::MockTokenIssuer& issuer_;
  token::MockPrehashedTokenVerifier& verifier_;
  // Passed to the service only when a test sets limit_attempts_ before StartServer().
  repository::MockAttemptLimiter& attempts_;
  bool limit_attempts_ = false;
  audit::MockAuditLog& audit_log_;
  // TOTP second factors and MFA tickets (always given to the service: Login reaches it only for
  // a user with totp_enabled).
  repository::MockSecondFactorRepository& second_factors_;
  std::unique_ptr<executor::BoundedExecutor> hashing_;
  std::unique_ptr<executor::BoundedExecutor> database_;
  std::unique_ptr<service::AuthServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
  std::unique_ptr<auth::v1::AccountService::Stub> account_stub_;
  std::unique_ptr<auth::v1::CredentialService::Stub> credential_stub_;
  // Passkeys' repository (a passkey suite's mock), given to the service when set before
  // StartServer() with options.passkeys configured.
  repository::PasskeyRepository* passkeys_ = nullptr;

 private:
  std::mutex block_mu_;
  std::condition_variable block_changed_;
  bool blocking_ = false;    // guarded by block_mu_
  int blocked_workers_ = 0;  // guarded by block_mu_
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_TESTING_SERVICE_FIXTURE_H_
