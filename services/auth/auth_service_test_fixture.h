// The fixture of AuthServiceImpl's unit tests (auth_service_test.cc, token_handlers_test.cc):
// the real gRPC server and stub over loopback, with every collaborator a StrictMock, so each
// success and error path is driven exactly.
#ifndef SERVICES_AUTH_AUTH_SERVICE_TEST_FIXTURE_H_
#define SERVICES_AUTH_AUTH_SERVICE_TEST_FIXTURE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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
#include "libs/token/token_mock.h"
#include "services/auth/auth_service.h"
#include "services/auth/opaque_tokens.h"
#include "tools/sanitizers/grpc_happens_before.h"

namespace auth::service::testing {

inline constexpr char kPassword[] = "client-side-digest-0123456789";
inline constexpr char kStoredHash[] =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo";
inline constexpr char kToken[] = "header.payload.signature";

inline repository::User StoredUser(int64_t id = 42) {
  repository::User user;
  user.id = id;
  user.username = "alice";
  user.email = "alice@example.com";
  user.phone_number = "+15551234567";
  user.password_hash = kStoredHash;
  return user;
}

inline token::TokenClaims ClaimsFor(absl::string_view subject, absl::string_view jti = "jti-1") {
  token::TokenClaims claims;
  claims.subject = std::string(subject);
  claims.jwt_id = std::string(jti);
  claims.issued_at = absl::Now();
  claims.expires_at = absl::Now() + absl::Minutes(15);
  return claims;
}

// The active session of `token`, as FindActive() returns it.
inline repository::Session SessionOf(absl::string_view token, int64_t user_id = 42,
                                     absl::string_view jti = "jti-1") {
  repository::Session session;
  session.jti = std::string(jti);
  session.user_id = user_id;
  session.token_hash = Sha256Hex(token);
  session.expires_at = absl::Now() + absl::Minutes(15);
  return session;
}

// Matches a repository::LogoutRequest for session `jti` of `user_id` presenting `token`.
MATCHER_P4(LogoutRequestIs, jti, user_id, token, current_session_only, "") {
  return arg.session_jti == jti && arg.user_id == user_id && arg.token_hash == Sha256Hex(token) &&
         arg.current_session_only == current_session_only;
}

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(/*hashing_queue=*/16); }

  void StartServer(size_t hashing_queue, AuthServiceOptions options = {}) {
    hashing_ = std::make_unique<executor::BoundedExecutor>(
        executor::BoundedExecutor::Options{"hashing", 1, hashing_queue});
    database_ = std::make_unique<executor::BoundedExecutor>(
        executor::BoundedExecutor::Options{"database", 2, 16});
    service_ = std::make_unique<AuthServiceImpl>(
        AuthServiceDeps{&users_, &sessions_, &refresh_tokens_, &hasher_, &issuer_, &verifier_,
                        hashing_.get(), database_.get(),
                        limit_attempts_ ? &attempts_ : nullptr},
        options);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    builder.experimental().SetInterceptorCreators(sanitizers::ServerHappensBeforeInterceptors());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = auth::v1::AuthService::NewStub(
        sanitizers::CreateInsecureChannelWithHappensBefore("127.0.0.1:" + std::to_string(port)));
  }

  // Stops the running server so StartServer() can start another (with other options).
  void StopServer() {
    if (server_ == nullptr) return;
    server_->Shutdown();
    hashing_->Shutdown();
    database_->Shutdown();
    server_.reset();
    service_.reset();
  }

  void TearDown() override {
    UnblockDatabaseWorkers();
    StopServer();
  }

  // Occupies every database worker until UnblockDatabaseWorkers(), so that calls queue up
  // (and batch) behind them.
  void BlockDatabaseWorkers() {
    const int workers = database_->workers();
    {
      std::lock_guard<std::mutex> lock(block_mu_);
      blocking_ = true;
    }
    for (int i = 0; i < workers; ++i) {
      ASSERT_TRUE(database_
                      ->Submit(absl::InfiniteFuture(),
                               [this](absl::Status) {
                                 std::unique_lock<std::mutex> lock(block_mu_);
                                 ++blocked_workers_;
                                 block_changed_.notify_all();
                                 block_changed_.wait(lock, [this] { return !blocking_; });
                               })
                      .ok());
    }
    std::unique_lock<std::mutex> lock(block_mu_);
    block_changed_.wait(lock, [&] { return blocked_workers_ == workers; });
  }

  // tokens[i] verifies (once) as the token of user i + 1, session "jti-<i + 1>".
  void ExpectTokensOfUsers(const std::vector<std::string>& tokens) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string user = std::to_string(i + 1);
      EXPECT_CALL(verifier_, Verify(absl::string_view(tokens[i])))
          .WillOnce(::testing::Return(ClaimsFor(user, "jti-" + user)));
    }
  }

  // Runs call(0) .. call(n - 1) on n threads while the database workers are blocked, so that
  // their database steps queue up (and batch), then releases the workers and waits for all.
  void CallConcurrentlyBehindBusyDatabase(int n, const std::function<void(int)>& call) {
    BlockDatabaseWorkers();
    std::vector<std::thread> callers;
    for (int i = 0; i < n; ++i) callers.emplace_back(call, i);
    // Each batcher submits its first tasks (two by default) behind the blocked workers; later
    // calls wait in the batcher and may or may not join them before the release.
    const absl::Time give_up = absl::Now() + absl::Seconds(10);  // the test's checks then fail
    while (database_->queued() < 2 && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    UnblockDatabaseWorkers();
    for (std::thread& caller : callers) caller.join();
  }

  void UnblockDatabaseWorkers() {
    std::lock_guard<std::mutex> lock(block_mu_);
    blocking_ = false;
    blocked_workers_ = 0;
    block_changed_.notify_all();
  }

  grpc::Status Register(const auth::v1::RegisterRequest& request,
                        auth::v1::RegisterResponse* response) {
    grpc::ClientContext context;
    return stub_->Register(&context, request, response);
  }

  grpc::Status Logout(int32_t user_id, const std::string& header_key,
                      const std::string& header_value, auth::v1::LogoutResponse* response,
                      bool current_session_only = false) {
    grpc::ClientContext context;
    if (!header_key.empty()) context.AddMetadata(header_key, header_value);
    auth::v1::LogoutRequest request;
    request.set_user_id(user_id);
    request.set_current_session_only(current_session_only);
    return stub_->Logout(&context, request, response);
  }

  grpc::Status Validate(const std::string& token, auth::v1::ValidateTokenResponse* response) {
    grpc::ClientContext context;
    auth::v1::ValidateTokenRequest request;
    request.set_token(token);
    return stub_->ValidateToken(&context, request, response);
  }

  grpc::Status Refresh(const std::string& refresh_token,
                       auth::v1::RefreshTokenResponse* response) {
    grpc::ClientContext context;
    auth::v1::RefreshTokenRequest request;
    request.set_refresh_token(refresh_token);
    return stub_->RefreshToken(&context, request, response);
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

  ::testing::StrictMock<repository::MockUserRepository> users_;
  ::testing::StrictMock<repository::MockSessionRepository> sessions_;
  ::testing::StrictMock<repository::MockRefreshTokenRepository> refresh_tokens_;
  ::testing::StrictMock<hashing::MockPasswordHasher> hasher_;
  ::testing::StrictMock<token::MockTokenIssuer> issuer_;
  ::testing::StrictMock<token::MockTokenVerifier> verifier_;
  // Passed to the service only when a test sets limit_attempts_ before StartServer().
  ::testing::StrictMock<repository::MockAttemptLimiter> attempts_;
  bool limit_attempts_ = false;
  std::mutex block_mu_;
  std::condition_variable block_changed_;
  bool blocking_ = false;     // guarded by block_mu_
  int blocked_workers_ = 0;   // guarded by block_mu_
  std::unique_ptr<executor::BoundedExecutor> hashing_;
  std::unique_ptr<executor::BoundedExecutor> database_;
  std::unique_ptr<AuthServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

}  // namespace auth::service::testing

#endif  // SERVICES_AUTH_AUTH_SERVICE_TEST_FIXTURE_H_
