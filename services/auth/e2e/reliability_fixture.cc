// ReliabilityTest and Tally; see reliability_fixture.h.
#include "services/auth/reliability/reliability_fixture.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"

namespace auth::service::testing {
namespace {

std::chrono::system_clock::time_point DeadlineIn(absl::Duration d) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             absl::ToChronoNanoseconds(d));
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    default:
      return "OTHER";
  }
}

}  // namespace

std::string Tally::Summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string text = absl::StrCat("calls=", calls_);
  for (const auto& [code, n] : by_code_) absl::StrAppend(&text, " ", CodeName(code), "=", n);
  absl::StrAppend(&text, " slowest_ms=", absl::ToInt64Milliseconds(slowest_));
  return text;
}

void ReliabilityTest::SetUpTestSuite() {
  absl::StatusOr<std::unique_ptr<repository::testing::MariadbServer>> database =
      repository::testing::MariadbServer::Start();
  ASSERT_THAT(database, auth::testing::IsOk());
  database_ = database->release();
  password_file_ = TempPath("mysql-password");
  std::ofstream(password_file_) << database_->password() << "\n";
  key_file_ = TempPath("jwt.pem");
  const std::string keygen = absl::StrCat(Runfile("libs/token/jwt_keygen"), " ", key_file_, " ",
                                          TempPath("jwt.pub.pem"), " >/dev/null");
  ASSERT_EQ(std::system(keygen.c_str()), 0) << keygen;
}

void ReliabilityTest::TearDownTestSuite() {
  delete database_;
  database_ = nullptr;
}

std::unique_ptr<Replica> ReliabilityTest::StartReplica(const std::vector<std::string>& extra_flags,
                                                       const std::string& database) {
  std::vector<std::string> args = {
      Runfile("services/auth/auth_server"), "--listen=127.0.0.1:0",
      "--mysql_endpoint=" + database_->endpoint(), "--mysql_user=" + database_->user(),
      "--mysql_database=" + (database.empty() ? database_->database() : database),
      "--mysql_password_file=" + password_file_, "--token_signing_key=" + key_file_,
      // Cheap hashing keeps the tests fast; the cost is not what they measure.
      "--argon2_memory_kib=1024", "--argon2_iterations=1"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  auto replica = std::make_unique<Replica>();
  replica->process = Process::Start(args);
  EXPECT_NE(replica->process, nullptr);
  if (replica->process == nullptr) return nullptr;
  const std::string line = replica->process->WaitForLine("listening on port ");
  EXPECT_FALSE(line.empty()) << "auth_server did not start";
  if (line.empty() || !absl::SimpleAtoi(line.substr(line.rfind(' ') + 1), &replica->port)) {
    return nullptr;
  }
  replica->stub = auth::v1::AuthService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", replica->port), grpc::InsecureChannelCredentials()));
  return replica;
}

std::string ReliabilityTest::FreshDatabase() {
  static std::atomic<int> next{0};
  const std::string name = absl::StrCat("reliability_", next++);
  absl::StatusOr<repository::ConnectionPoolOptions> created = database_->CreateDatabase(name);
  EXPECT_THAT(created, auth::testing::IsOk());
  return name;
}

grpc::Status ReliabilityTest::Register(auth::v1::AuthService::Stub& stub,
                                       const std::string& username, absl::Duration deadline) {
  auth::v1::RegisterRequest request;
  request.set_username(username);
  request.set_email(EmailOf(username));
  request.set_password_hash(kPassword);
  auth::v1::RegisterResponse response;
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(deadline));
  return stub.Register(&context, request, &response);
}

grpc::Status ReliabilityTest::Login(auth::v1::AuthService::Stub& stub, const std::string& email,
                                    const std::string& password, auth::v1::LoginResponse* response,
                                    std::string* retry_after, absl::Duration deadline) {
  auth::v1::LoginRequest request;
  request.set_email(email);
  request.set_password_hash(password);
  auth::v1::LoginResponse ignored;
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(deadline));
  grpc::Status status = stub.Login(&context, request, response ? response : &ignored);
  if (retry_after != nullptr) {
    retry_after->clear();
    auto it = context.GetServerTrailingMetadata().find("retry-after");
    if (it != context.GetServerTrailingMetadata().end()) {
      retry_after->assign(it->second.data(), it->second.size());
    }
  }
  return status;
}

grpc::Status ReliabilityTest::Validate(auth::v1::AuthService::Stub& stub, const std::string& token,
                                       auth::v1::ValidateTokenResponse* response) {
  auth::v1::ValidateTokenRequest request;
  request.set_token(token);
  auth::v1::ValidateTokenResponse ignored;
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Seconds(10)));
  return stub.ValidateToken(&context, request, response ? response : &ignored);
}

grpc::Status ReliabilityTest::Logout(auth::v1::AuthService::Stub& stub, int32_t user_id,
                                     const std::string& token) {
  auth::v1::LogoutRequest request;
  request.set_user_id(user_id);
  auth::v1::LogoutResponse response;
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Seconds(10)));
  context.AddMetadata("authorization", "Bearer " + token);
  return stub.Logout(&context, request, &response);
}

int64_t ReliabilityTest::CountLoginsThatWork(auth::v1::AuthService::Stub& stub,
                                             const std::set<std::string>& usernames, int threads) {
  const std::vector<std::string> names(usernames.begin(), usernames.end());
  std::atomic<size_t> next{0};
  std::atomic<int64_t> ok{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < names.size(); i = next++) {
        if (Login(stub, EmailOf(names[i]), kPassword, nullptr).ok()) ++ok;
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return ok.load();
}

std::map<std::string, UserRow> ReliabilityTest::ReadUsers(const std::string& database) {
  repository::ConnectionPoolOptions options = database_->pool_options();
  if (!database.empty()) options.database = database;
  repository::ConnectionPool pool(options);
  std::map<std::string, UserRow> users;
  absl::StatusOr<repository::PooledConnection> connection = pool.Acquire();
  EXPECT_THAT(connection, auth::testing::IsOk());
  if (!connection.ok()) return users;
  std::unique_ptr<sql::PreparedStatement> select(
      (*connection)
          ->prepareStatement("SELECT username, email, phone_number, password_hash FROM users"));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  while (rows->next()) {
    UserRow row;
    row.email = rows->getString(2);
    if (!rows->isNull(3)) row.phone_number = std::string(rows->getString(3));
    row.password_hash = rows->getString(4);
    users[std::string(rows->getString(1))] = row;
  }
  return users;
}

}  // namespace auth::service::testing
