// ServiceTest: the fixture of AuthServiceImpl's unit tests (register, login, logout,
// validate_token, refresh_token and attempt-gate tests in services/auth): the real gRPC server
// and stub over loopback, with every collaborator a mock, so each success and error path is
// driven exactly.
//
//   TEST_F(ServiceTest, RegisterCreatesTheUser) {
//     EXPECT_CALL(hasher_, Hash(Eq(kPasswordDigest))).WillOnce(Return(kStoredHash));
//     EXPECT_CALL(users_, Create(_)).WillOnce(Return(42));
//     auth::v1::RegisterResponse response;
//     EXPECT_TRUE(Register(ValidRegistration(), &response).ok());
//   }
//
// The collaborators are StrictMocks: every test of a flow expects exactly the calls of the
// collaborator under test, and the incidental ones must not be called at all (an unexpected
// call is a failure of the flow, e.g. a database write after a refusal). The gRPC server and
// client are joined by the happens-before interceptors (libs/testing/grpc_happens_before.h), so
// ThreadSanitizer sees expectations set before a call and results read after it as ordered.
#ifndef SERVICES_AUTH_TESTING_SERVICE_FIXTURE_H_
#define SERVICES_AUTH_TESTING_SERVICE_FIXTURE_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/executor/bounded_executor.h"
#include "libs/hashing/password_hasher_mock.h"
#include "libs/repository/attempt_limiter_mock.h"
#include "libs/repository/refresh_token_repository_mock.h"
#include "libs/repository/session_repository_mock.h"
#include "libs/repository/user_repository_mock.h"
#include "libs/token/token.h"
#include "libs/token/token_digest.h"
#include "libs/token/token_mock.h"
#include "services/auth/auth_service.h"

namespace auth::service::testing {

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
  void SetUp() override;
  void TearDown() override;

  // Starts the service (with `options`) behind a gRPC server on a free loopback port, and a
  // stub to it. The hashing executor has one worker and `hashing_queue` places.
  void StartServer(size_t hashing_queue, AuthServiceOptions options = {});
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

  ::testing::StrictMock<repository::MockUserRepository> users_;
  ::testing::StrictMock<repository::MockSessionRepository> sessions_;
  ::testing::StrictMock<repository::MockRefreshTokenRepository> refresh_tokens_;
  ::testing::StrictMock<hashing::MockPasswordHasher> hasher_;
  ::testing::StrictMock<token::MockTokenIssuer> issuer_;
  ::testing::StrictMock<token::MockPrehashedTokenVerifier> verifier_;
  // Passed to the service only when a test sets limit_attempts_ before StartServer().
  ::testing::StrictMock<repository::MockAttemptLimiter> attempts_;
  bool limit_attempts_ = false;
  std::unique_ptr<executor::BoundedExecutor> hashing_;
  std::unique_ptr<executor::BoundedExecutor> database_;
  std::unique_ptr<AuthServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;

 private:
  std::mutex block_mu_;
  std::condition_variable block_changed_;
  bool blocking_ = false;    // guarded by block_mu_
  int blocked_workers_ = 0;  // guarded by block_mu_
};

}  // namespace auth::service::testing

#endif  // SERVICES_AUTH_TESTING_SERVICE_FIXTURE_H_
