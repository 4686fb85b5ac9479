// ReliabilityTest and Tally; see reliability_fixture.h.
#include "services/auth/e2e/reliability_fixture.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "libs/mysql/connection_pool.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/testing/auth_test_client.h"

namespace auth::service_testing {
namespace {

// gRPC's codes are absl's, number for number.
std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

void Registrations::Attempted(const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  attempted_.insert(username);
}

void Registrations::Acknowledged(const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  acknowledged_.insert(username);
}

std::set<std::string> Registrations::attempted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return attempted_;
}

std::set<std::string> Registrations::acknowledged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acknowledged_;
}

std::string Tally::Summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string text = absl::StrCat("calls=", calls_);
  for (const auto& [code, n] : by_code_) absl::StrAppend(&text, " ", CodeName(code), "=", n);
  absl::StrAppend(&text, " slowest_ms=", absl::ToInt64Milliseconds(slowest_));
  return text;
}

std::string StoredUsers::Summary() const {
  return absl::StrCat("acknowledged=", acknowledged, " found=", found,
                      " acknowledged_missing=", missing, " incomplete=", incomplete,
                      " unacknowledged_but_stored=", found - acknowledged + missing,
                      " acknowledged_login_ok=", logins_ok);
}

void StoredUsers::ExpectNothingLost() const {
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(incomplete, 0);
  EXPECT_EQ(strays, 0);
  EXPECT_EQ(logins_ok, acknowledged);
}

void ReliabilityTest::SetUpTestSuite() {
  absl::StatusOr<std::unique_ptr<AuthServerBackend>> backend = AuthServerBackend::Start();
  ASSERT_THAT(backend, auth::test_util::IsOk());
  backend_ = backend->release();
}

void ReliabilityTest::TearDownTestSuite() {
  delete backend_;
  backend_ = nullptr;
}

std::unique_ptr<AuthServerProcess> ReliabilityTest::StartServer(
    const std::vector<std::string>& extra_flags, const std::string& database) {
  std::vector<std::string> flags = backend_->Flags(database);
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  absl::StatusOr<std::unique_ptr<AuthServerProcess>> server =
      AuthServerProcess::Start(std::move(flags));
  EXPECT_THAT(server, auth::test_util::IsOk());
  return server.ok() ? *std::move(server) : nullptr;
}

std::unique_ptr<Replica> ReliabilityTest::StartReplica(const std::vector<std::string>& extra_flags,
                                                       const std::string& database) {
  std::unique_ptr<AuthServerProcess> server = StartServer(extra_flags, database);
  return server != nullptr ? std::make_unique<Replica>(std::move(server)) : nullptr;
}

std::string ReliabilityTest::FreshDatabase() {
  absl::StatusOr<std::string> name = backend_->NewDatabase("reliability");
  EXPECT_THAT(name, auth::test_util::IsOk());
  return name.ok() ? *name : "";
}

grpc::Status ReliabilityTest::Register(auth::v1::AuthService::Stub& stub,
                                       const std::string& username, absl::Duration deadline) {
  return AuthTestClient(stub, deadline).Register(username, EmailOf(username));
}

grpc::Status ReliabilityTest::Register(auth::v1::AuthService::Stub& stub,
                                       const std::string& username, absl::Duration deadline,
                                       Registrations& registrations) {
  registrations.Attempted(username);
  grpc::Status status = Register(stub, username, deadline);
  if (status.ok()) registrations.Acknowledged(username);
  return status;
}

StoredUsers ReliabilityTest::CheckStoredUsers(auth::v1::AuthService::Stub& stub,
                                              const Registrations& registrations,
                                              const std::string& skip_prefix) {
  const std::map<std::string, UserRow> stored = ReadUsers();
  const std::set<std::string> attempted = registrations.attempted();
  const std::set<std::string> acknowledged = registrations.acknowledged();
  StoredUsers check;
  check.acknowledged = static_cast<int64_t>(acknowledged.size());
  for (const std::string& name : acknowledged) {
    if (stored.count(name) == 0) {
      ++check.missing;
      ADD_FAILURE() << "acknowledged registration " << name << " is not stored";
    }
  }
  for (const auto& [name, row] : stored) {
    if (!skip_prefix.empty() && absl::StartsWith(name, skip_prefix)) continue;
    ++check.found;
    if (attempted.count(name) == 0) ++check.strays;
    if (row.email != EmailOf(name) || !absl::StartsWith(row.password_hash, "$argon2id$")) {
      ++check.incomplete;
      ADD_FAILURE() << "user " << name << " is stored incompletely";
    }
  }
  // A stored hash is only complete if it verifies.
  check.logins_ok = CountLoginsThatWork(stub, acknowledged);
  return check;
}

grpc::Status ReliabilityTest::Login(auth::v1::AuthService::Stub& stub, const std::string& email,
                                    const std::string& password, auth::v1::LoginResponse* response,
                                    std::string* retry_after, absl::Duration deadline) {
  AuthTestClient client(stub, deadline);
  grpc::Status status = client.Login(email, "", password, response);
  if (retry_after != nullptr) *retry_after = client.last_retry_after();
  return status;
}

grpc::Status ReliabilityTest::Validate(auth::v1::AuthService::Stub& stub, const std::string& token,
                                       auth::v1::ValidateTokenResponse* response) {
  return AuthTestClient(stub).Validate(token, response);
}

grpc::Status ReliabilityTest::Logout(auth::v1::AuthService::Stub& stub, int32_t user_id,
                                     const std::string& token) {
  return AuthTestClient(stub).Logout(user_id, Bearer(token));
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
  mysql::ConnectionPoolOptions options = backend_->database().pool_options();
  if (!database.empty()) options.database = database;
  mysql::ConnectionPool pool(options);
  std::map<std::string, UserRow> users;
  absl::StatusOr<mysql::PooledConnection> connection = pool.Acquire();
  EXPECT_THAT(connection, auth::test_util::IsOk());
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

}  // namespace auth::service_testing
