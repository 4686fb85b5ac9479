// In-process test of the composition root: an AuthServer built from a ServerConfig against a
// private MariaDB, called over a real gRPC channel (no auth_server process, no flags).
#include "services/auth/server/auth_server.h"

#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/mariadb_server.h"
#include "libs/mysql/testing/query.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/server/server_config.h"

namespace auth::service {
namespace {

using ::auth::mysql_testing::MariadbServer;
using ::auth::mysql_testing::QueryInt;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;

constexpr char kClientDigest[] = "in-process-client-digest-0123";

class AuthServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<MariadbServer>> database = MariadbServer::Start();
    ASSERT_THAT(database.status(), IsOk());
    database_ = database->release();
  }
  static void TearDownTestSuite() {
    delete database_;
    database_ = nullptr;
  }

  // The flags' defaults, on a free port, against the private database, with cheap hashing.
  static ServerConfig TestConfig() {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.database = database_->pool_options();
    config.database.size = 2;
    config.argon2.memory_kib = 1024;
    config.argon2.iterations = 1;
    config.shutdown_drain_delay = absl::ZeroDuration();
    return config;
  }

  // Registers `name` (name@example.com) and logs it in; fails the test on an error.
  static auth::v1::LoginResponse RegisterAndLogin(auth::v1::AuthService::Stub& stub,
                                                  const std::string& name) {
    {
      grpc::ClientContext context;
      auth::v1::RegisterRequest request;
      request.set_username(name);
      request.set_email(name + "@example.com");
      request.set_password_hash(kClientDigest);
      auth::v1::RegisterResponse response;
      const grpc::Status status = stub.Register(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      EXPECT_EQ(response.status(), 201);
    }
    grpc::ClientContext context;
    auth::v1::LoginRequest request;
    request.set_email(name + "@example.com");
    request.set_password_hash(kClientDigest);
    auth::v1::LoginResponse login;
    const grpc::Status status = stub.Login(&context, request, &login);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return login;
  }

  inline static MariadbServer* database_ = nullptr;
};

TEST_F(AuthServerTest, RegisterLoginAndValidateOverARealChannel) {
  absl::StatusOr<std::unique_ptr<AuthServer>> server = AuthServer::Create(TestConfig());
  ASSERT_THAT(server.status(), IsOk());
  ASSERT_THAT((*server)->Start(), IsOk());
  ASSERT_GT((*server)->port(), 0);
  EXPECT_EQ((*server)->metrics_port(), 0);
  auto stub = auth::v1::AuthService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));

  const auth::v1::LoginResponse login = RegisterAndLogin(*stub, "carol");
  EXPECT_GT(login.user_id(), 0);
  EXPECT_FALSE(login.jwt_token().empty());
  {
    grpc::ClientContext context;
    auth::v1::ValidateTokenRequest request;
    request.set_token(login.jwt_token());
    auth::v1::ValidateTokenResponse response;
    const grpc::Status status = stub->ValidateToken(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.user_id(), login.user_id());
    EXPECT_FALSE(response.session_id().empty());
  }
  (*server)->Shutdown();
  (*server)->Wait();
}

// A session that has expired counts as revoked, even while its token is still inside the
// signature check's leeway (30 s past exp): only the session row refuses it.
TEST_F(AuthServerTest, AnExpiredSessionAuthenticatesNothing) {
  ServerConfig config = TestConfig();
  config.token_lifetime = absl::Seconds(1);
  absl::StatusOr<std::unique_ptr<AuthServer>> server = AuthServer::Create(config);
  ASSERT_THAT(server.status(), IsOk());
  ASSERT_THAT((*server)->Start(), IsOk());
  auto stub = auth::v1::AuthService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  const auth::v1::LoginResponse login = RegisterAndLogin(*stub, "expiring");
  ASSERT_FALSE(login.jwt_token().empty());
  absl::SleepFor(absl::Milliseconds(2100));  // exp is in whole seconds

  {
    grpc::ClientContext context;
    auth::v1::ValidateTokenRequest request;
    request.set_token(login.jwt_token());
    auth::v1::ValidateTokenResponse response;
    EXPECT_EQ(stub->ValidateToken(&context, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + login.jwt_token());
    auth::v1::LogoutRequest request;
    request.set_user_id(login.user_id());
    auth::v1::LogoutResponse response;
    EXPECT_EQ(stub->Logout(&context, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  (*server)->Shutdown();
}

TEST_F(AuthServerTest, SweepsExpiredRowsEverySweepPeriod) {
  ServerConfig config = TestConfig();
  config.sweep_period = absl::Milliseconds(50);
  absl::StatusOr<std::unique_ptr<AuthServer>> server = AuthServer::Create(config);
  ASSERT_THAT(server.status(), IsOk());
  mysql::ConnectionPool pool(database_->pool_options());
  // attempt_counters: the one swept table without a foreign key; RETURNING makes it a query.
  for (const char* row : {"('sweep-expired', 1, UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE)",
                          "('sweep-live', 1, UTC_TIMESTAMP(6) + INTERVAL 1 HOUR)"}) {
    ASSERT_EQ(QueryInt(pool, absl::StrCat("INSERT INTO attempt_counters (counter_key, attempts, "
                                          "expires_at) VALUES ",
                                          row, " RETURNING attempts")),
              1);
  }
  ASSERT_THAT((*server)->Start(), IsOk());
  const std::string count =
      "SELECT COUNT(*) FROM attempt_counters WHERE counter_key LIKE 'sweep-%'";
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (QueryInt(pool, count) != 1 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(QueryInt(pool, count), 1);
  EXPECT_EQ(QueryInt(pool,
                     "SELECT COUNT(*) FROM attempt_counters WHERE counter_key = "
                     "'sweep-live'"),
            1);
  (*server)->Shutdown();
}

TEST_F(AuthServerTest, CreateRefusesAnInvalidConfigNamingTheFlag) {
  ServerConfig config = TestConfig();
  config.service.refresh_token_lifetime = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<AuthServer>> server = AuthServer::Create(config);
  EXPECT_THAT(server.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(server.status().message()),
              ::testing::HasSubstr("--refresh_token_lifetime"));
}

TEST_F(AuthServerTest, CreateRefusesAnAuditLogItCannotOpenNamingTheFlagAndThePath) {
  ServerConfig config = TestConfig();
  config.audit_log = "/nonexistent-dir-for-auth-test/audit.log";
  absl::StatusOr<std::unique_ptr<AuthServer>> server = AuthServer::Create(config);
  EXPECT_THAT(server.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(server.status().message()),
              ::testing::HasSubstr("--audit_log: cannot open " + config.audit_log));
}

// A TOTP key others may read, or none at that path, is refused before the database is
// touched (the database here is unreachable: the key's error must come first).
TEST_F(AuthServerTest, CreateRefusesATotpKeyFileNamingTheFlag) {
  ServerConfig config = TestConfig();
  config.database.endpoint = "unix:///nonexistent/mysqld.sock";
  config.totp_secret_key_file = "/nonexistent-dir-for-auth-test/totp.key";
  absl::StatusOr<std::unique_ptr<AuthServer>> server = AuthServer::Create(config);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()),
              ::testing::HasSubstr("--totp_secret_key_file"));
  const std::string readable = ::testing::TempDir() + "/readable-totp.key";
  FILE* file = std::fopen(readable.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("0123456789abcdef0123456789abcdef", file);
  std::fclose(file);
  ASSERT_EQ(chmod(readable.c_str(), 0644), 0);
  config.totp_secret_key_file = readable;
  server = AuthServer::Create(config);
  EXPECT_THAT(server.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(server.status().message()),
              ::testing::HasSubstr("--totp_secret_key_file"));
}

TEST_F(AuthServerTest, CreateAdvisesWhenTheDatabaseIsUnreachable) {
  ServerConfig config = TestConfig();
  config.database.endpoint = "unix:///nonexistent/mysqld.sock";
  absl::StatusOr<std::unique_ptr<AuthServer>> server = AuthServer::Create(config);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()),
              ::testing::HasSubstr("is MySQL/MariaDB running there?"));
}

}  // namespace
}  // namespace auth::service
