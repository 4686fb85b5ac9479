// The greeter and libs/authn over real gRPC channels, in one process: GreeterServiceImpl with
// a JwtAuthenticator that talks to a small fake AuthService (GetJwks and ValidateToken backed
// by libs/token). Exercises what the unit tests mock away: metadata as a server really sees it,
// the stub calls and their errors. greeter_e2e_test does the same against the real auth_server.

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/greeter/v1/greeter.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/authn/jwks_key_source.h"
#include "libs/authn/jwt_authenticator.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/jwt.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "services/greeter/greeter_service.h"

namespace greeter {
namespace {

using ::auth::test_util::IsOk;
using ::auth::token::IssuedToken;
using ::auth::token::JwtIssuer;
using ::auth::token::JwtOptions;
using ::auth::token::JwtVerifier;
using ::auth::token::JwtVerifierOptions;
using ::auth::token::Key;
using ::auth::token::KeySet;

constexpr char kIssuer[] = "auth-service";
constexpr char kAudience[] = "auth-service-clients";

KeySet NewSigningKeys(absl::string_view kid) {
  absl::StatusOr<Key> key = Key::GenerateEd25519(kid);
  EXPECT_THAT(key, IsOk());
  absl::StatusOr<KeySet> keys = KeySet::Create(*key, {});
  EXPECT_THAT(keys, IsOk());
  return *keys;
}

JwtOptions IssuerOptions() {
  JwtOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  return options;
}

JwtVerifierOptions VerifierOptions() {
  JwtVerifierOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  return options;
}

// The two RPCs libs/authn uses, as the auth service specifies them, plus a revocation list.
class FakeAuthService final : public auth::v1::AuthService::Service {
 public:
  explicit FakeAuthService(const KeySet& keys)
      : keys_(keys), issuer_(keys, IssuerOptions()), verifier_(keys, VerifierOptions()) {}

  IssuedToken Login(int32_t user_id) {
    absl::StatusOr<IssuedToken> issued = issuer_.Issue(std::to_string(user_id));
    EXPECT_THAT(issued, IsOk());
    return *issued;
  }

  void Revoke(const std::string& session_id) {
    std::lock_guard<std::mutex> lock(mu_);
    revoked_.insert(session_id);
  }

  int validate_calls() const { return validate_calls_.load(); }

  grpc::Status GetJwks(grpc::ServerContext*, const auth::v1::GetJwksRequest*,
                       auth::v1::GetJwksResponse* response) override {
    response->set_jwks_json(keys_.ToJwks());
    return grpc::Status::OK;
  }

  grpc::Status ValidateToken(grpc::ServerContext*, const auth::v1::ValidateTokenRequest* request,
                             auth::v1::ValidateTokenResponse* response) override {
    ++validate_calls_;
    absl::StatusOr<auth::token::TokenClaims> claims = verifier_.Verify(request->token());
    int32_t user_id = 0;
    if (!claims.ok() || !absl::SimpleAtoi(claims->subject, &user_id)) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid token");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (revoked_.count(claims->jwt_id) > 0) {
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "session revoked");
      }
    }
    response->set_user_id(user_id);
    response->set_session_id(claims->jwt_id);
    response->set_expires_at_unix_seconds(absl::ToUnixSeconds(claims->expires_at));
    return grpc::Status::OK;
  }

 private:
  const KeySet keys_;
  const JwtIssuer issuer_;
  const JwtVerifier verifier_;
  std::atomic<int> validate_calls_{0};
  std::mutex mu_;
  std::set<std::string> revoked_;
};

class GreeterIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder auth_builder;
    int auth_port = 0;
    auth_builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &auth_port);
    auth_builder.RegisterService(&auth_service_);
    auth_server_ = auth_builder.BuildAndStart();
    ASSERT_NE(auth_server_, nullptr);
    auth_stub_ = auth::v1::AuthService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", auth_port), grpc::InsecureChannelCredentials()));

    keys_ = std::make_unique<auth::authn::JwksKeySource>(auth_stub_.get(),
                                                         auth::authn::JwksKeySourceOptions{});
    authenticator_ = std::make_unique<auth::authn::JwtAuthenticator>(
        keys_.get(), auth_stub_.get(), auth::authn::JwtAuthenticatorOptions{});
    greeter_service_ = std::make_unique<GreeterServiceImpl>(authenticator_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(greeter_service_.get());
    greeter_server_ = builder.BuildAndStart();
    ASSERT_NE(greeter_server_, nullptr);
    greeter_ = greeter::v1::Greeter::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (greeter_server_ != nullptr) greeter_server_->Shutdown();
    if (auth_server_ != nullptr) auth_server_->Shutdown();
  }

  grpc::Status Hello(const std::string& metadata_key, const std::string& metadata_value,
                     greeter::v1::HelloResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!metadata_key.empty()) context.AddMetadata(metadata_key, metadata_value);
    return greeter_->Hello(&context, greeter::v1::HelloRequest(), response);
  }

  grpc::StatusCode HelloCode(const std::string& token) {
    greeter::v1::HelloResponse response;
    return Hello("authorization", "Bearer " + token, &response).error_code();
  }

  FakeAuthService auth_service_{NewSigningKeys("primary")};
  std::unique_ptr<grpc::Server> auth_server_;
  std::unique_ptr<auth::v1::AuthService::Stub> auth_stub_;
  std::unique_ptr<auth::authn::JwksKeySource> keys_;
  std::unique_ptr<auth::authn::JwtAuthenticator> authenticator_;
  std::unique_ptr<GreeterServiceImpl> greeter_service_;
  std::unique_ptr<grpc::Server> greeter_server_;
  std::unique_ptr<greeter::v1::Greeter::Stub> greeter_;
};

TEST_F(GreeterIntegrationTest, GreetsByBearerUntilTheSessionIsRevokedAndNeverByCookie) {
  const IssuedToken login = auth_service_.Login(17);
  greeter::v1::HelloResponse response;
  grpc::Status status = Hello("authorization", "Bearer " + login.token, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.user_id(), 17);
  EXPECT_EQ(response.message(), "Hello, user 17!");
  // Cookie authentication is opt-in (greeter_server --cookie_origins; greeter_e2e_test).
  status = Hello("cookie", "user_id=17; jwt-token=" + login.token, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();

  auth_service_.Revoke(login.claims.jwt_id);
  EXPECT_EQ(HelloCode(login.token), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GreeterIntegrationTest, ForgedAndMissingTokensNeverReachValidateToken) {
  const IssuedToken forged =
      JwtIssuer(NewSigningKeys("primary"), IssuerOptions()).Issue("17").value();
  EXPECT_EQ(HelloCode(forged.token), grpc::StatusCode::UNAUTHENTICATED);
  greeter::v1::HelloResponse response;
  EXPECT_EQ(Hello("", "", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(auth_service_.validate_calls(), 0);
}

TEST_F(GreeterIntegrationTest, AuthServiceDownIsUnavailable) {
  const IssuedToken login = auth_service_.Login(17);
  ASSERT_EQ(HelloCode(login.token), grpc::StatusCode::OK);  // keys are cached now
  auth_server_->Shutdown();
  auth_server_ = nullptr;
  EXPECT_EQ(HelloCode(login.token), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace greeter
