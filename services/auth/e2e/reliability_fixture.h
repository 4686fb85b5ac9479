// The fixture of the fault and multi-replica tests: a private MariaDB, any number of real
// auth_server processes on it (sharing one signing key, as replicas do), clients with
// deadlines, a tally of outcomes that the tests print for RELIABILITY.md, and a direct look at
// the users table to compare what was acknowledged with what is stored.
#ifndef SERVICES_AUTH_E2E_RELIABILITY_FIXTURE_H_
#define SERVICES_AUTH_E2E_RELIABILITY_FIXTURE_H_

#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/auth/testing/auth_server_backend.h"
#include "services/auth/testing/auth_server_process.h"
#include "services/auth/testing/replica.h"
#include "services/auth/testing/test_password.h"

namespace auth::service_testing {

// A stored user as the database holds it.
struct UserRow {
  std::string email;
  std::optional<std::string> phone_number;
  std::string password_hash;
};

// The registrations a test's clients attempted, and those answered OK; thread-safe.
class Registrations {
 public:
  void Attempted(const std::string& username);
  void Acknowledged(const std::string& username);
  // Copies, for after the clients have stopped.
  std::set<std::string> attempted() const;
  std::set<std::string> acknowledged() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> attempted_;
  std::set<std::string> acknowledged_;
};

// The users table held against the registrations: what a crash may not break.
struct StoredUsers {
  int64_t acknowledged = 0;  // registrations answered OK
  int64_t found = 0;         // stored users that the check looked at
  int64_t missing = 0;       // acknowledged but not stored
  int64_t incomplete = 0;    // stored without the right email or an Argon2id hash
  int64_t strays = 0;        // stored but never attempted
  int64_t logins_ok = 0;     // acknowledged users who can log in (so whose hash verifies)

  // "acknowledged=N found=N acknowledged_missing=N incomplete=N unacknowledged_but_stored=N
  // acknowledged_login_ok=N", as RELIABILITY.md quotes it.
  std::string Summary() const;
  // Fails the test unless nothing acknowledged was lost or stored incompletely, nothing was
  // stored that no client attempted, and every acknowledged user logs in.
  void ExpectNothingLost() const;
};

// Outcomes by gRPC code, and the slowest call; thread-safe.
class Tally {
 public:
  void Record(grpc::StatusCode code, absl::Duration latency) {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    ++by_code_[code];
    if (latency > slowest_) slowest_ = latency;
  }
  int64_t calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int64_t count(grpc::StatusCode code) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_code_.find(code);
    return it == by_code_.end() ? 0 : it->second;
  }
  // Calls whose code is not in `allowed`.
  int64_t CountOtherThan(const std::vector<grpc::StatusCode>& allowed) const {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t other = 0;
    for (const auto& [code, n] : by_code_) {
      bool ok = false;
      for (grpc::StatusCode a : allowed) ok = ok || a == code;
      if (!ok) other += n;
    }
    return other;
  }
  absl::Duration slowest() const {
    std::lock_guard<std::mutex> lock(mu_);
    return slowest_;
  }
  // "calls=N OK=a UNAVAILABLE=b ..." in code order.
  std::string Summary() const;

 private:
  mutable std::mutex mu_;
  int64_t calls_ = 0;
  std::map<grpc::StatusCode, int64_t> by_code_;
  absl::Duration slowest_ = absl::ZeroDuration();
};

class ReliabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // Starts an auth_server on `database` (default: the suite's) with cheap hashing and
  // `extra_flags`; fails the test (and returns null) if it does not come up.
  static std::unique_ptr<AuthServerProcess> StartServer(
      const std::vector<std::string>& extra_flags = {}, const std::string& database = "");
  // The same, as a Replica.
  static std::unique_ptr<Replica> StartReplica(const std::vector<std::string>& extra_flags = {},
                                               const std::string& database = "");

  // A database of its own for one test (so counters and users do not leak between tests).
  static std::string FreshDatabase();

  static grpc::Status Register(auth::v1::AuthService::Stub& stub, const std::string& username,
                               absl::Duration deadline = absl::Seconds(10));
  // Register(), noted in `registrations`.
  static grpc::Status Register(auth::v1::AuthService::Stub& stub, const std::string& username,
                               absl::Duration deadline, Registrations& registrations);
  static grpc::Status Login(auth::v1::AuthService::Stub& stub, const std::string& email,
                            const std::string& password, auth::v1::LoginResponse* response,
                            std::string* retry_after = nullptr,
                            absl::Duration deadline = absl::Seconds(10));
  static grpc::Status Validate(auth::v1::AuthService::Stub& stub, const std::string& token,
                               auth::v1::ValidateTokenResponse* response = nullptr);
  static grpc::Status Logout(auth::v1::AuthService::Stub& stub, int32_t user_id,
                             const std::string& token);

  // username -> stored row, read straight from `database` (default: the suite's).
  static std::map<std::string, UserRow> ReadUsers(const std::string& database = "");

  static std::string EmailOf(const std::string& username) { return username + "@example.com"; }

  // Checks the suite's users table against `registrations`, skipping users whose name starts
  // with `skip_prefix` (set up before the clients started), and logs every acknowledged user
  // in through `stub`; fails the test for each acknowledged user missing and each user stored
  // incompletely.
  static StoredUsers CheckStoredUsers(auth::v1::AuthService::Stub& stub,
                                      const Registrations& registrations,
                                      const std::string& skip_prefix = "");

  // How many of `usernames` can log in with kPassword through `stub` (a stored hash is only
  // complete if it verifies); spread over `threads` clients.
  static int64_t CountLoginsThatWork(auth::v1::AuthService::Stub& stub,
                                     const std::set<std::string>& usernames, int threads = 4);

  // Prints one figure line for RELIABILITY.md ("RELIABILITY <name>: key=value ...").
  static void Report(const std::string& name, const std::string& figures) {
    std::cout << "RELIABILITY " << name << ": " << figures << std::endl;
  }

  inline static AuthServerBackend* backend_ = nullptr;
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_E2E_RELIABILITY_FIXTURE_H_
