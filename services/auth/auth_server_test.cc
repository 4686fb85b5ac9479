// In-process test of the composition root: an AuthServer built from a ServerConfig against a
// private MariaDB, called over a real gRPC channel (no auth_server process, no flags).
#include "services/auth/auth_server.h"

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/mysql/testing/mariadb_server.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/server_config.h"

namespace auth::service {
namespace {

using ::auth::mysql::testing::MariadbServer;
using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;

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

  {
    grpc::ClientContext context;
    auth::v1::RegisterRequest request;
    request.set_username("carol");
    request.set_email("carol@example.com");
    request.set_password_hash(kClientDigest);
    auth::v1::RegisterResponse response;
    const grpc::Status status = stub->Register(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.status(), 201);
  }
  auth::v1::LoginResponse login;
  {
    grpc::ClientContext context;
    auth::v1::LoginRequest request;
    request.set_email("carol@example.com");
    request.set_password_hash(kClientDigest);
    const grpc::Status status = stub->Login(&context, request, &login);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_GT(login.user_id(), 0);
    EXPECT_FALSE(login.jwt_token().empty());
  }
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
