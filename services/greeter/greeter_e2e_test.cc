// End-to-end: a private MariaDB, the real auth_server and the real greeter_server, called
// through the generated stubs over loopback. A user registers and logs in with the auth
// service, and the greeter accepts the token until Logout; forged and missing tokens never.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/mysql/testing/mariadb_server.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/jwt.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "api/greeter/v1/greeter.grpc.pb.h"

extern char** environ;

namespace greeter {
namespace {

using ::auth::mysql::testing::MariadbServer;
using ::auth::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kPassword[] = "greeter-e2e-client-digest-42";

std::string Runfile(absl::string_view path) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/", std::getenv("TEST_WORKSPACE"), "/", path);
}

std::string TempPath(absl::string_view name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

std::chrono::system_clock::time_point InSeconds(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

// A server binary run as a child process; killed when this object goes away.
class ServerProcess {
 public:
  // Starts `args` and waits for its "<name> listening on port N" line; nullptr if it never
  // comes (the child's stderr, with its log, goes to the test log).
  static std::unique_ptr<ServerProcess> Start(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (error != 0) {
      close(fds[0]);
      return nullptr;
    }
    std::unique_ptr<ServerProcess> process(new ServerProcess(pid, fdopen(fds[0], "r")));
    if (!process->ReadPort()) return nullptr;
    return process;
  }

  ~ServerProcess() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    fclose(stdout_);
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  ServerProcess(pid_t pid, FILE* out) : pid_(pid), stdout_(out) {}

  bool ReadPort() {
    char* line = nullptr;
    size_t capacity = 0;
    bool found = false;
    while (!found && getline(&line, &capacity, stdout_) != -1) {
      absl::string_view text(line);
      if (!absl::StrContains(text, "listening on port ")) continue;
      text = absl::StripSuffix(text, "\n");
      found = absl::SimpleAtoi(text.substr(text.rfind(' ') + 1), &port_);
    }
    free(line);
    return found;
  }

  pid_t pid_;
  FILE* stdout_;
  int port_ = 0;
};

class GreeterE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<MariadbServer>> database = MariadbServer::Start();
    ASSERT_THAT(database, IsOk());
    database_ = database->release();
    const std::string password_file = TempPath("mysql-password");
    std::ofstream(password_file) << database_->password() << "\n";
    const std::string key_file = TempPath("jwt.pem");
    const std::string keygen = absl::StrCat(Runfile("libs/token/jwt_keygen"), " ", key_file, " ",
                                            TempPath("jwt.pub.pem"), " >/dev/null");
    ASSERT_EQ(std::system(keygen.c_str()), 0) << keygen;

    auth_server_ = ServerProcess::Start(
                       {Runfile("services/auth/auth_server"), "--listen=127.0.0.1:0",
                        "--mysql_endpoint=" + database_->endpoint(),
                        "--mysql_user=" + database_->user(),
                        "--mysql_database=" + database_->database(),
                        "--mysql_password_file=" + password_file,
                        "--token_signing_key=" + key_file,
                        // Cheap hashing keeps the test fast; the cost is not under test.
                        "--argon2_memory_kib=1024", "--argon2_iterations=1"})
                       .release();
    ASSERT_NE(auth_server_, nullptr) << "auth_server did not start";
    greeter_server_ = StartGreeter(/*confirm_not_revoked=*/true).release();
    ASSERT_NE(greeter_server_, nullptr) << "greeter_server did not start";
  }

  static void TearDownTestSuite() {
    delete greeter_server_;
    delete auth_server_;
    delete database_;
  }

  static std::unique_ptr<ServerProcess> StartGreeter(bool confirm_not_revoked) {
    return ServerProcess::Start({Runfile("services/greeter/greeter_server"),
                                 "--listen=127.0.0.1:0",
                                 "--auth_target=" + auth_server_->address(),
                                 std::string("--confirm_not_revoked=") + (confirm_not_revoked ? "true" : "false")});
  }

  void SetUp() override {
    auth_ = auth::v1::AuthService::NewStub(
        grpc::CreateChannel(auth_server_->address(), grpc::InsecureChannelCredentials()));
    greeter_ = greeter::v1::Greeter::NewStub(
        grpc::CreateChannel(greeter_server_->address(), grpc::InsecureChannelCredentials()));
  }

  // Registers `username` and logs in; returns the login response.
  auth::v1::LoginResponse RegisterAndLogin(const std::string& username) {
    auth::v1::RegisterRequest registration;
    registration.set_username(username);
    registration.set_email(username + "@example.com");
    registration.set_password_hash(kPassword);
    auth::v1::RegisterResponse registered;
    grpc::ClientContext register_context;
    register_context.set_deadline(InSeconds(10));
    const grpc::Status status = auth_->Register(&register_context, registration, &registered);
    EXPECT_TRUE(status.ok()) << status.error_message();

    auth::v1::LoginRequest login;
    login.set_email(username + "@example.com");
    login.set_password_hash(kPassword);
    auth::v1::LoginResponse response;
    grpc::ClientContext login_context;
    login_context.set_deadline(InSeconds(10));
    const grpc::Status logged_in = auth_->Login(&login_context, login, &response);
    EXPECT_TRUE(logged_in.ok()) << logged_in.error_message();
    return response;
  }

  grpc::Status Logout(int32_t user_id, const std::string& token) {
    auth::v1::LogoutRequest request;
    request.set_user_id(user_id);
    auth::v1::LogoutResponse response;
    grpc::ClientContext context;
    context.set_deadline(InSeconds(10));
    context.AddMetadata("authorization", "Bearer " + token);
    return auth_->Logout(&context, request, &response);
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

  static MariadbServer* database_;
  static ServerProcess* auth_server_;
  static ServerProcess* greeter_server_;
  std::unique_ptr<auth::v1::AuthService::Stub> auth_;
  std::unique_ptr<greeter::v1::Greeter::Stub> greeter_;
};

MariadbServer* GreeterE2eTest::database_ = nullptr;
ServerProcess* GreeterE2eTest::auth_server_ = nullptr;
ServerProcess* GreeterE2eTest::greeter_server_ = nullptr;

TEST_F(GreeterE2eTest, GreetsTheLoggedInUserUntilLogout) {
  const auth::v1::LoginResponse login = RegisterAndLogin("alice");
  ASSERT_GT(login.user_id(), 0);

  greeter::v1::HelloResponse response;
  grpc::Status status = Hello(login.jwt_token(), &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.user_id(), login.user_id());
  EXPECT_EQ(response.message(), absl::StrCat("Hello, user ", login.user_id(), "!"));
  // The browser's way: the cookie Login set.
  EXPECT_EQ(HelloCode(login.jwt_token(), Send::kCookie), grpc::StatusCode::OK);

  ASSERT_TRUE(Logout(login.user_id(), login.jwt_token()).ok());
  // The token still verifies locally; ValidateToken knows the session is gone.
  EXPECT_EQ(HelloCode(login.jwt_token()), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(HelloCode(login.jwt_token(), Send::kCookie), grpc::StatusCode::UNAUTHENTICATED);
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
  std::unique_ptr<ServerProcess> local_only = StartGreeter(/*confirm_not_revoked=*/false);
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
