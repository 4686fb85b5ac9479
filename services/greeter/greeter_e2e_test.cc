// End-to-end: a private MariaDB, the real auth_server and the real greeter_server, called
// through the generated stubs over loopback. A user registers and logs in with the auth
// service, and the greeter accepts the token until Logout; forged and missing tokens never.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/greeter/v1/greeter.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "libs/token/jwt.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "services/auth/testing/auth_server_backend.h"
#include "services/auth/testing/auth_server_process.h"
#include "services/auth/testing/auth_test_client.h"
#include "services/auth/testing/test_password.h"

namespace greeter {
namespace {

using ::auth::service_testing::AuthServerBackend;
using ::auth::service_testing::AuthServerProcess;
using ::auth::service_testing::AuthTestClient;
using ::auth::service_testing::Bearer;
using ::auth::service_testing::kPassword;
using ::auth::test_util::IsOk;
using ::auth::test_util::Runfile;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::testing::HasSubstr;

std::chrono::system_clock::time_point InSeconds(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

// A greeter_server child process (killed when this goes away) and the port it listens on.
struct GreeterProcess {
  std::unique_ptr<Subprocess> process;
  int port = 0;

  std::string address() const { return absl::StrCat("127.0.0.1:", port); }
};

class GreeterE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<AuthServerBackend>> backend = AuthServerBackend::Start();
    ASSERT_THAT(backend, IsOk());
    backend_ = backend->release();
    absl::StatusOr<std::unique_ptr<AuthServerProcess>> auth_server =
        AuthServerProcess::Start(backend_->Flags());
    ASSERT_THAT(auth_server, IsOk());
    auth_server_ = auth_server->release();
    greeter_server_ = StartGreeter(/*confirm_not_revoked=*/true).release();
    ASSERT_NE(greeter_server_, nullptr) << "greeter_server did not start";
  }

  static void TearDownTestSuite() {
    delete greeter_server_;
    delete auth_server_;
    delete backend_;
  }

  // Starts greeter_server on a free port and waits for its "listening on port N" line; null
  // if it never comes (the child's stderr, with its log, goes to the test log).
  static std::unique_ptr<GreeterProcess> StartGreeter(bool confirm_not_revoked,
                                                      std::vector<std::string> more_flags = {}) {
    SubprocessOptions options;
    options.argv = {
        Runfile("services/greeter/greeter_server"), "--listen=127.0.0.1:0",
        "--auth_target=" + auth_server_->address(),
        std::string("--confirm_not_revoked=") + (confirm_not_revoked ? "true" : "false")};
    options.argv.insert(options.argv.end(), more_flags.begin(), more_flags.end());
    options.capture_stdout = true;
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(options);
    EXPECT_THAT(process, IsOk());
    if (!process.ok()) return nullptr;
    auto greeter = std::make_unique<GreeterProcess>();
    greeter->process = *std::move(process);
    absl::StatusOr<std::vector<std::string>> line =
        greeter->process->WaitForLine("listening on port ([0-9]+)", absl::Seconds(60));
    EXPECT_THAT(line, IsOk());
    if (!line.ok() || !absl::SimpleAtoi((*line)[1], &greeter->port)) return nullptr;
    return greeter;
  }

  void SetUp() override {
    auth_ = auth_server_->NewStub();
    greeter_ = greeter::v1::Greeter::NewStub(
        grpc::CreateChannel(greeter_server_->address(), grpc::InsecureChannelCredentials()));
  }

  // Registers `username` and logs in; returns the login response.
  auth::v1::LoginResponse RegisterAndLogin(const std::string& username) {
    AuthTestClient client(*auth_);
    const grpc::Status status = client.Register(username, username + "@example.com");
    EXPECT_TRUE(status.ok()) << status.error_message();
    auth::v1::LoginResponse response;
    const grpc::Status logged_in =
        client.Login(username + "@example.com", "", kPassword, &response);
    EXPECT_TRUE(logged_in.ok()) << logged_in.error_message();
    return response;
  }

  grpc::Status Logout(int32_t user_id, const std::string& token) {
    return AuthTestClient(*auth_).Logout(user_id, Bearer(token));
  }

  enum class Send { kBearer, kCookie, kNothing };

  grpc::Status Hello(const std::string& token, greeter::v1::HelloResponse* response,
                     Send how = Send::kBearer, greeter::v1::Greeter::Stub* stub = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(InSeconds(10));
    if (how == Send::kBearer) context.AddMetadata("authorization", "Bearer " + token);
    if (how == Send::kCookie) context.AddMetadata("cookie", "jwt-token=" + token);
    return (stub != nullptr ? stub : greeter_.get())
        ->Hello(&context, greeter::v1::HelloRequest(), response);
  }

  grpc::StatusCode HelloCode(const std::string& token, Send how = Send::kBearer) {
    greeter::v1::HelloResponse response;
    const grpc::Status status = Hello(token, &response, how);
    if (!status.ok()) {
      EXPECT_TRUE(response.message().empty());
    }
    return status.error_code();
  }

  inline static AuthServerBackend* backend_ = nullptr;
  inline static AuthServerProcess* auth_server_ = nullptr;
  inline static GreeterProcess* greeter_server_ = nullptr;
  std::unique_ptr<auth::v1::AuthService::Stub> auth_;
  std::unique_ptr<greeter::v1::Greeter::Stub> greeter_;
};

TEST_F(GreeterE2eTest, GreetsTheLoggedInUserUntilLogout) {
  const auth::v1::LoginResponse login = RegisterAndLogin("alice");
  ASSERT_GT(login.user_id(), 0);

  greeter::v1::HelloResponse response;
  grpc::Status status = Hello(login.jwt_token(), &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.user_id(), login.user_id());
  EXPECT_EQ(response.message(), absl::StrCat("Hello, user ", login.user_id(), "!"));
  // The cookie Login set counts only in a greeter that opts in (below).
  EXPECT_EQ(HelloCode(login.jwt_token(), Send::kCookie), grpc::StatusCode::UNAUTHENTICATED);

  ASSERT_TRUE(Logout(login.user_id(), login.jwt_token()).ok());
  // The token still verifies locally; ValidateToken knows the session is gone.
  EXPECT_EQ(HelloCode(login.jwt_token()), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(HelloCode(login.jwt_token(), Send::kCookie), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GreeterE2eTest, WithCookieOriginsTheCookieCountsFromThoseOriginsOnly) {
  std::unique_ptr<GreeterProcess> cookie_greeter =
      StartGreeter(/*confirm_not_revoked=*/true, {"--cookie_origins=https://app.example"});
  ASSERT_NE(cookie_greeter, nullptr);
  std::unique_ptr<greeter::v1::Greeter::Stub> stub = greeter::v1::Greeter::NewStub(
      grpc::CreateChannel(cookie_greeter->address(), grpc::InsecureChannelCredentials()));
  const auth::v1::LoginResponse login = RegisterAndLogin("carol");
  auto hello_code = [&](const std::string& origin, const std::string& cookie) {
    grpc::ClientContext context;
    context.set_deadline(InSeconds(10));
    if (!origin.empty()) context.AddMetadata("origin", origin);
    context.AddMetadata("cookie", cookie);
    greeter::v1::HelloResponse response;
    return stub->Hello(&context, greeter::v1::HelloRequest(), &response).error_code();
  };
  const std::string cookie = "user_id=1; jwt-token=" + login.jwt_token();
  EXPECT_EQ(hello_code("https://app.example", cookie), grpc::StatusCode::OK);
  EXPECT_EQ(hello_code("https://evil.example", cookie), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(hello_code("", cookie), grpc::StatusCode::UNAUTHENTICATED);
  greeter::v1::HelloResponse response;
  EXPECT_TRUE(Hello(login.jwt_token(), &response, Send::kBearer, stub.get()).ok());
}

TEST_F(GreeterE2eTest, RefusesAMissingToken) {
  EXPECT_EQ(HelloCode("", Send::kNothing), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(HelloCode("not-a-jwt"), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GreeterE2eTest, RefusesForgedTokens) {
  const auth::v1::LoginResponse login = RegisterAndLogin("mallory");
  const std::string& token = login.jwt_token();
  ASSERT_EQ(HelloCode(token), grpc::StatusCode::OK);

  // One character of the signature changed.
  std::string flipped = token;
  char& c = flipped[flipped.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(HelloCode(flipped), grpc::StatusCode::UNAUTHENTICATED);

  // Well-formed tokens for the same user, signed by a key the auth service never had: once
  // under its kid, once under a kid of its own (which makes the greeter refetch the keys).
  for (const char* kid : {"primary", "attacker"}) {
    SCOPED_TRACE(kid);
    absl::StatusOr<auth::token::Key> key = auth::token::Key::GenerateEd25519(kid);
    ASSERT_THAT(key, IsOk());
    absl::StatusOr<auth::token::KeySet> keys = auth::token::KeySet::Create(*key, {});
    ASSERT_THAT(keys, IsOk());
    auth::token::JwtOptions options;
    options.issuer = "auth-service";
    options.audience = "auth-service-clients";
    absl::StatusOr<auth::token::IssuedToken> forged =
        auth::token::JwtIssuer(*keys, options).Issue(std::to_string(login.user_id()));
    ASSERT_THAT(forged, IsOk());
    EXPECT_EQ(HelloCode(forged->token), grpc::StatusCode::UNAUTHENTICATED);
  }
  // The genuine token is unaffected.
  EXPECT_EQ(HelloCode(token), grpc::StatusCode::OK);
}

TEST_F(GreeterE2eTest, WithoutConfirmationALoggedOutTokenLivesUntilItExpires) {
  // The trade-off --confirm_not_revoked=false makes: no call to the auth service per request,
  // but a logout is not seen.
  std::unique_ptr<GreeterProcess> local_only = StartGreeter(/*confirm_not_revoked=*/false);
  ASSERT_NE(local_only, nullptr);
  std::unique_ptr<greeter::v1::Greeter::Stub> stub = greeter::v1::Greeter::NewStub(
      grpc::CreateChannel(local_only->address(), grpc::InsecureChannelCredentials()));
  const auth::v1::LoginResponse login = RegisterAndLogin("bob");
  ASSERT_TRUE(Logout(login.user_id(), login.jwt_token()).ok());

  greeter::v1::HelloResponse response;
  const grpc::Status status = Hello(login.jwt_token(), &response, Send::kBearer, stub.get());
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(response.message(), HasSubstr(std::to_string(login.user_id())));
  EXPECT_EQ(HelloCode(login.jwt_token()), grpc::StatusCode::UNAUTHENTICATED);  // confirming one
}

}  // namespace
}  // namespace greeter
