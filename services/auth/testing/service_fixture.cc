// ServiceTest's bodies; see service_fixture.h.
#include "services/auth/testing/service_fixture.h"

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/testing/grpc_happens_before.h"

namespace auth::service_testing {

repository::User StoredUser(int64_t id) {
  repository::User user;
  user.id = id;
  user.username = "alice";
  user.email = "alice@example.com";
  user.phone_number = "+15551234567";
  user.password_hash = kStoredHash;
  return user;
}

token::TokenClaims ClaimsFor(absl::string_view subject, absl::string_view jti) {
  token::TokenClaims claims;
  claims.subject = std::string(subject);
  claims.jwt_id = std::string(jti);
  claims.issued_at = absl::Now();
  claims.expires_at = absl::Now() + absl::Minutes(15);
  return claims;
}

repository::Session SessionOf(absl::string_view token, int64_t user_id, absl::string_view jti) {
  repository::Session session;
  session.jti = std::string(jti);
  session.user_id = user_id;
  session.token_hash = TokenHash(token);
  session.expires_at = absl::Now() + absl::Minutes(15);
  return session;
}

std::string TokenHash(absl::string_view token) {
  return token::DigestHex(token::DigestToken(token));
}

void BatchSizes::Record(size_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  largest_ = std::max(largest_, size);
  total_ += size;
}

size_t BatchSizes::largest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return largest_;
}

size_t BatchSizes::total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

namespace {

// A new `Mock`, strict if `collaborator` is in `under_test`, nice otherwise.
template <typename Mock, typename Collaborator>
std::unique_ptr<Mock> NewMock(Collaborator collaborator,
                              std::initializer_list<Collaborator> under_test) {
  if (std::find(under_test.begin(), under_test.end(), collaborator) != under_test.end()) {
    return std::make_unique<::testing::StrictMock<Mock>>();
  }
  return std::make_unique<::testing::NiceMock<Mock>>();
}

}  // namespace

ServiceTest::ServiceTest(std::initializer_list<Collaborator> under_test)
    : owned_users_(NewMock<repository::MockUserRepository>(Collaborator::kUsers, under_test)),
      owned_sessions_(
          NewMock<repository::MockSessionRepository>(Collaborator::kSessions, under_test)),
      owned_refresh_tokens_(NewMock<repository::MockRefreshTokenRepository>(
          Collaborator::kRefreshTokens, under_test)),
      owned_hasher_(NewMock<hashing::MockPasswordHasher>(Collaborator::kHasher, under_test)),
      owned_issuer_(NewMock<token::MockTokenIssuer>(Collaborator::kIssuer, under_test)),
      owned_verifier_(
          NewMock<token::MockPrehashedTokenVerifier>(Collaborator::kVerifier, under_test)),
      owned_attempts_(NewMock<repository::MockAttemptLimiter>(Collaborator::kAttempts, under_test)),
      owned_audit_log_(NewMock<audit::MockAuditLog>(Collaborator::kAuditLog, under_test)),
      owned_second_factors_(NewMock<repository::MockSecondFactorRepository>(
          Collaborator::kSecondFactors, under_test)),
      users_(*owned_users_),
      sessions_(*owned_sessions_),
      refresh_tokens_(*owned_refresh_tokens_),
      hasher_(*owned_hasher_),
      issuer_(*owned_issuer_),
      verifier_(*owned_verifier_),
      attempts_(*owned_attempts_),
      audit_log_(*owned_audit_log_),
      second_factors_(*owned_second_factors_) {}

void ServiceTest::SetUp() { StartServer(/*hashing_queue=*/16); }

void ServiceTest::TearDown() {
  UnblockDatabaseWorkers();
  StopServer();
}

void ServiceTest::StartServer(size_t hashing_queue, service::AuthServiceOptions options) {
  hashing_ = std::make_unique<executor::BoundedExecutor>(
      executor::BoundedExecutor::Options{"hashing", 1, hashing_queue});
  database_ = std::make_unique<executor::BoundedExecutor>(
      executor::BoundedExecutor::Options{"database", 2, 16});
  service::AuthServiceDeps deps;
  deps.users = &users_;
  deps.sessions = &sessions_;
  deps.refresh_tokens = &refresh_tokens_;
  deps.hasher = &hasher_;
  deps.issuer = &issuer_;
  deps.verifier = &verifier_;
  deps.hashing_executor = hashing_.get();
  deps.database_executor = database_.get();
  deps.attempts = limit_attempts_ ? &attempts_ : nullptr;
  deps.audit_log = &audit_log_;
  deps.second_factors = &second_factors_;
  deps.passkeys = passkeys_;
  service_ = std::make_unique<service::AuthServiceImpl>(deps, std::move(options));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service_.get());
  builder.RegisterService(service_->account_service());
  builder.RegisterService(service_->credential_service());
  builder.experimental().SetInterceptorCreators(auth::test_util::ServerHappensBeforeInterceptors());
  server_ = builder.BuildAndStart();
  ASSERT_NE(server_, nullptr);
  const std::shared_ptr<grpc::Channel> channel =
      auth::test_util::CreateInsecureChannelWithHappensBefore("127.0.0.1:" + std::to_string(port));
  stub_ = auth::v1::AuthService::NewStub(channel);
  account_stub_ = auth::v1::AccountService::NewStub(channel);
  credential_stub_ = auth::v1::CredentialService::NewStub(channel);
}

void ServiceTest::StopServer() {
  if (server_ == nullptr) return;
  server_->Shutdown();
  hashing_->Shutdown();
  database_->Shutdown();
  server_.reset();
  service_.reset();
}

void ServiceTest::BlockDatabaseWorkers() {
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

void ServiceTest::UnblockDatabaseWorkers() {
  std::lock_guard<std::mutex> lock(block_mu_);
  blocking_ = false;
  blocked_workers_ = 0;
  block_changed_.notify_all();
}

void ServiceTest::ExpectTokensOfUsers(const std::vector<std::string>& tokens) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string user = std::to_string(i + 1);
    EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(tokens[i]), IsDigestOf(tokens[i])))
        .WillOnce(::testing::Return(ClaimsFor(user, "jti-" + user)));
  }
}

void ServiceTest::CallConcurrentlyBehindBusyDatabase(int n, const std::function<void(int)>& call) {
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

grpc::Status ServiceTest::Register(const auth::v1::RegisterRequest& request,
                                   auth::v1::RegisterResponse* response) {
  grpc::ClientContext context;
  return stub_->Register(&context, request, response);
}

grpc::Status ServiceTest::Logout(int32_t user_id, const std::string& header_key,
                                 const std::string& header_value,
                                 auth::v1::LogoutResponse* response, bool current_session_only) {
  grpc::ClientContext context;
  if (!header_key.empty()) context.AddMetadata(header_key, header_value);
  auth::v1::LogoutRequest request;
  request.set_user_id(user_id);
  request.set_current_session_only(current_session_only);
  return stub_->Logout(&context, request, response);
}

grpc::Status ServiceTest::Validate(const std::string& token,
                                   auth::v1::ValidateTokenResponse* response) {
  grpc::ClientContext context;
  auth::v1::ValidateTokenRequest request;
  request.set_token(token);
  return stub_->ValidateToken(&context, request, response);
}

grpc::Status ServiceTest::Refresh(const std::string& refresh_token,
                                  auth::v1::RefreshTokenResponse* response) {
  grpc::ClientContext context;
  auth::v1::RefreshTokenRequest request;
  request.set_refresh_token(refresh_token);
  return stub_->RefreshToken(&context, request, response);
}

auth::v1::RegisterRequest ServiceTest::ValidRegistration() {
  auth::v1::RegisterRequest request;
  request.set_username("alice");
  request.set_email("Alice@Example.com");
  request.set_password_hash(kPasswordDigest);
  request.set_phone_number("+15551234567");
  return request;
}

auth::v1::LoginRequest ServiceTest::LoginByEmail() {
  auth::v1::LoginRequest request;
  request.set_email("ALICE@example.com");
  request.set_password_hash(kPasswordDigest);
  return request;
}

}  // namespace auth::service_testing
