// The fixture of the end-to-end tests (auth_server_e2e_test.cc, token_e2e_test.cc): the real
// auth_server binary against a real, private MariaDB, called through the generated stub over
// loopback. Nothing is mocked.
#ifndef SERVICES_AUTH_E2E_FIXTURE_H_
#define SERVICES_AUTH_E2E_FIXTURE_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/repository/testing/mariadb_server.h"
#include "libs/testing/status_matchers.h"

extern char** environ;

namespace auth::service::testing {

using ::auth::repository::testing::MariadbServer;

inline constexpr char kPassword[] = "e2e-client-digest-0123456789";

inline std::string Runfile(absl::string_view path) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/", std::getenv("TEST_WORKSPACE"), "/", path);
}

inline std::string TempPath(absl::string_view name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

// A child process whose stdout we read line by line.
class Process {
 public:
  static std::unique_ptr<Process> Start(const std::vector<std::string>& args) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (spawned != 0) {
      close(pipe_fds[0]);
      return nullptr;
    }
    return std::unique_ptr<Process>(new Process(pid, fdopen(pipe_fds[0], "r")));
  }

  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ != nullptr) fclose(stdout_);
  }

  // Reads stdout until a line contains `marker`; returns that line, or "" at end of output.
  std::string WaitForLine(absl::string_view marker) {
    char* line = nullptr;
    size_t capacity = 0;
    std::string found;
    while (getline(&line, &capacity, stdout_) != -1) {
      if (absl::StrContains(line, marker)) {
        found = line;
        break;
      }
    }
    free(line);
    return found;
  }

  // Sends `signal` and returns the exit code (or -signal), waiting at most `timeout`.
  int StopAndWait(int signal, absl::Duration timeout) {
    kill(pid_, signal);
    return Wait(timeout);
  }

  int Wait(absl::Duration timeout) {
    const absl::Time give_up = absl::Now() + timeout;
    int status = 0;
    while (absl::Now() < give_up) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return 1000;  // Still running.
  }

 private:
  Process(pid_t pid, FILE* out) : pid_(pid), stdout_(out) {}
  pid_t pid_;
  FILE* stdout_;
};

class AuthServerE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<MariadbServer>> database = MariadbServer::Start();
    ASSERT_THAT(database, auth::testing::IsOk());
    database_ = database->release();
    password_file_ = TempPath("mysql-password");
    std::ofstream(password_file_) << database_->password() << "\n";
    key_file_ = TempPath("jwt.pem");
    const std::string keygen = absl::StrCat(Runfile("libs/token/jwt_keygen"), " ", key_file_, " ",
                                            TempPath("jwt.pub.pem"), " >/dev/null");
    ASSERT_EQ(std::system(keygen.c_str()), 0) << keygen;
  }

  static void TearDownTestSuite() {
    delete database_;
    database_ = nullptr;
  }

  void SetUp() override { StartServer(); }

  // Starts auth_server on a free port, with `extra_flags` after the standard ones.
  void StartServer(const std::vector<std::string>& extra_flags = {}) {
    std::vector<std::string> args = {Runfile("services/auth/auth_server"),
                                     "--listen=127.0.0.1:0",
                                     "--mysql_endpoint=" + database_->endpoint(),
                                     "--mysql_user=" + database_->user(),
                                     "--mysql_database=" + database_->database(),
                                     "--mysql_password_file=" + password_file_,
                                     "--token_signing_key=" + key_file_,
                                     // Cheap hashing keeps the test fast; the cost is not tested.
                                     "--argon2_memory_kib=1024", "--argon2_iterations=1"};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    server_ = Process::Start(args);
    ASSERT_NE(server_, nullptr);
    const std::string line = server_->WaitForLine("listening on port ");
    ASSERT_FALSE(line.empty()) << "auth_server did not start";
    int port = 0;
    ASSERT_TRUE(absl::SimpleAtoi(line.substr(line.rfind(' ') + 1), &port)) << line;
    stub_ = auth::v1::AuthService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void RestartServer(const std::vector<std::string>& extra_flags = {}) {
    ASSERT_EQ(server_->StopAndWait(SIGTERM, absl::Seconds(20)), 0) << "graceful stop failed";
    StartServer(extra_flags);
  }

  grpc::Status Register(const std::string& username, const std::string& email,
                        const std::string& phone, const std::string& password = kPassword) {
    auth::v1::RegisterRequest request;
    request.set_username(username);
    request.set_email(email);
    request.set_phone_number(phone);
    request.set_password_hash(password);
    auth::v1::RegisterResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status status = stub_->Register(&context, request, &response);
    if (status.ok()) {
      EXPECT_EQ(response.message(), "User registered successfully");
      EXPECT_EQ(response.status(), 201);
    }
    return status;
  }

  struct LoginResult {
    grpc::Status status;
    auth::v1::LoginResponse response;
    std::vector<std::string> cookies;
  };

  LoginResult Login(const std::string& email, const std::string& phone,
                    const std::string& password = kPassword) {
    auth::v1::LoginRequest request;
    request.set_email(email);
    request.set_phone_number(phone);
    request.set_password_hash(password);
    LoginResult result;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    result.status = stub_->Login(&context, request, &result.response);
    auto range = context.GetServerInitialMetadata().equal_range("set-cookie");
    for (auto it = range.first; it != range.second; ++it) {
      result.cookies.emplace_back(it->second.data(), it->second.size());
    }
    return result;
  }

  grpc::Status Logout(int32_t user_id, const std::string& token, bool as_cookie = false,
                      bool current_session_only = false) {
    auth::v1::LogoutRequest request;
    request.set_user_id(user_id);
    request.set_current_session_only(current_session_only);
    auth::v1::LogoutResponse response;
    grpc::ClientContext context;
    if (as_cookie) {
      context.AddMetadata("cookie", "user_id=" + std::to_string(user_id) + "; jwt-token=" + token);
    } else {
      context.AddMetadata("authorization", "Bearer " + token);
    }
    grpc::Status status = stub_->Logout(&context, request, &response);
    if (status.ok()) {
      EXPECT_EQ(response.message(), "User logout successfully");
      EXPECT_EQ(response.status(), 200);
    }
    return status;
  }

  grpc::Status Validate(const std::string& token,
                        auth::v1::ValidateTokenResponse* response = nullptr) {
    auth::v1::ValidateTokenRequest request;
    request.set_token(token);
    auth::v1::ValidateTokenResponse ignored;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->ValidateToken(&context, request, response ? response : &ignored);
  }

  grpc::Status Refresh(const std::string& refresh_token,
                       auth::v1::RefreshTokenResponse* response = nullptr) {
    auth::v1::RefreshTokenRequest request;
    request.set_refresh_token(refresh_token);
    auth::v1::RefreshTokenResponse ignored;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->RefreshToken(&context, request, response ? response : &ignored);
  }

  inline static MariadbServer* database_ = nullptr;
  inline static std::string password_file_;
  inline static std::string key_file_;
  std::unique_ptr<Process> server_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

}  // namespace auth::service::testing

#endif  // SERVICES_AUTH_E2E_FIXTURE_H_
