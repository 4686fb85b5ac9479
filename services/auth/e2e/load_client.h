// The kill test's load: a client (LoadClient) that drives a steady mixed load across
// auth_server replicas, which the test kills and restarts under it, and keeps what it needs to
// check the outcome afterwards.
//
// Each worker repeats, spreading the calls of one user over the three replicas: Register a new
// user on replica r, Login on r+1, ValidateToken of the fresh token on r+2, Logout on r+2. A
// guesser sends wrong-password logins for the victim accounts, round-robin over the replicas.
// Every call has a 5 s deadline and is recorded (start, end, replica, RPC, code).
#ifndef SERVICES_AUTH_E2E_LOAD_CLIENT_H_
#define SERVICES_AUTH_E2E_LOAD_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/galera_cluster.h"
#include "services/auth/testing/auth_test_client.h"
#include "services/auth/testing/replica.h"

namespace auth::service_testing {

using ::auth::mysql_testing::GaleraCluster;

class LoadClient {
 public:
  enum Rpc { kRegister, kLogin, kValidate, kLogout, kGuess, kRpcCount };

  // `replicas` must outlive the client.
  explicit LoadClient(const std::vector<std::unique_ptr<Replica>>& replicas)
      : replicas_(replicas) {}
  ~LoadClient() { Stop(); }

  // Direct calls, not recorded.
  grpc::Status Register(int replica, const std::string& username);
  grpc::Status Login(int replica, const std::string& username, const std::string& password);

  // Starts `workers` worker threads and the guesser, which attacks victims[0] at first.
  void Start(int workers, std::vector<std::string> victims);
  // The guesser also attacks the next victim from now on.
  void AttackNextVictim() { ++victims_attacked_; }
  void Stop();

  // --- figures ---
  // "Register: OK=.. UNAVAILABLE=..; Login: ..." over every recorded call.
  std::string Summary() const;
  int64_t total_calls() const;
  // Calls that ended with a code their RPC must never give (see load_client.cc).
  int64_t UnexpectedOutcomes() const;
  struct Window {
    int64_t failures = 0;         // calls that started in the window and did not succeed
    std::string codes;            // their codes, "UNAVAILABLE=3 ..."
    int64_t last_failure_ms = 0;  // when the last of them ended, after the window's start
  };
  // Failed calls started in [from, to) on `replica` (-1: any); guesses do not count.
  Window FailuresBetween(absl::Time from, absl::Time to, int replica) const;
  // Milliseconds after `t` at which the first successful call started after `t` on `replica`
  // ended; -1 if none.
  int64_t FirstOkAfter(absl::Time t, int replica) const;

  // --- afterwards ---
  const std::set<std::string>& acknowledged_registrations() const { return acked_; }
  struct Stored {
    std::set<std::string> usernames;  // of the workers' users
    int64_t load_users = 0;
    int64_t duplicate_usernames = 0;
    int64_t duplicate_emails = 0;
  };
  Stored ReadStored(mysql::ConnectionPool& pool) const;
  struct LogoutCheck {
    int64_t tokens = 0;        // logouts acknowledged
    int64_t validations = 0;   // ValidateToken calls made on them (each token, each replica)
    int64_t still_valid = 0;   // answered OK: a logout not enforced
    int64_t inconclusive = 0;  // no definite answer after retries
  };
  // Validates every token whose logout was acknowledged on every replica.
  LogoutCheck CheckLogouts();
  struct Guesses {
    int64_t attempts = 0;
    int64_t hashed = 0;   // UNAUTHENTICATED: the password was checked, and wrong
    int64_t refused = 0;  // RESOURCE_EXHAUSTED: refused before any hash
  };
  Guesses GuessesAt(const std::string& victim) const;
  // Connections of user `auth` on each node (minus the query's own); -1 if it does not answer.
  static std::vector<int64_t> ConnectionsPerNode(const GaleraCluster& cluster);

 private:
  struct Event {
    absl::Time start;
    absl::Time end;
    int replica;
    Rpc rpc;
    grpc::StatusCode code;
  };
  using Call = std::function<grpc::Status(AuthTestClient&)>;

  // A client of `replica`'s current server, with a 5 s deadline.
  AuthTestClient Client(int replica) const;
  // Runs `call` on `replica` with a 5 s deadline and records it.
  grpc::Status Record(Rpc rpc, int replica, const Call& call);
  void Work(int worker);
  void Guess();

  const std::vector<std::unique_ptr<Replica>>& replicas_;
  std::vector<std::string> victims_;
  std::atomic<bool> stop_{false};
  std::atomic<int> victims_attacked_{1};
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;
  std::vector<Event> events_;               // guarded by mu_
  std::set<std::string> acked_;             // guarded by mu_ while running
  std::vector<std::string> logged_out_;     // guarded by mu_ while running
  std::map<std::string, Guesses> guesses_;  // guarded by mu_
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_E2E_LOAD_CLIENT_H_
