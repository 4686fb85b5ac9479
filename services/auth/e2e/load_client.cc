// LoadClient; see load_client.h.
#include "services/auth/e2e/load_client.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/mysql/testing/query.h"
#include "services/auth/testing/test_password.h"

namespace auth::service_testing {
namespace {

using ::auth::mysql_testing::QueryInt;

constexpr char kWrongPassword[] = "e2e-wrong-guess-000000000000";
constexpr absl::Duration kDeadline = absl::Seconds(5);

// gRPC's codes are absl's, number for number.
std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

const char* RpcName(LoadClient::Rpc rpc) {
  switch (rpc) {
    case LoadClient::kRegister:
      return "Register";
    case LoadClient::kLogin:
      return "Login";
    case LoadClient::kValidate:
      return "ValidateToken";
    case LoadClient::kLogout:
      return "Logout";
    default:
      return "Login(wrong password)";
  }
}

// A failure the service may give while a node or a replica is down: the client retries later.
bool Transient(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

// Whether `code` is a possible answer to `rpc` in this test. A fresh account not found by
// another replica, a fresh token refused, a name taken twice, INTERNAL: all are bugs.
bool Expected(LoadClient::Rpc rpc, grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK || Transient(code)) return true;
  return rpc == LoadClient::kGuess && (code == grpc::StatusCode::UNAUTHENTICATED ||
                                       code == grpc::StatusCode::RESOURCE_EXHAUSTED);
}

std::string EmailOf(const std::string& username) { return username + "@example.com"; }

}  // namespace

AuthTestClient LoadClient::Client(int replica) const {
  return AuthTestClient(replicas_[replica]->stub(), kDeadline);
}

grpc::Status LoadClient::Register(int replica, const std::string& username) {
  return Client(replica).Register(username, EmailOf(username));
}

grpc::Status LoadClient::Login(int replica, const std::string& username,
                               const std::string& password) {
  return Client(replica).Login(EmailOf(username), "", password);
}

grpc::Status LoadClient::Record(Rpc rpc, int replica, const Call& call) {
  AuthTestClient client = Client(replica);
  const absl::Time start = absl::Now();
  grpc::Status status = call(client);
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back({start, absl::Now(), replica, rpc, status.error_code()});
  return status;
}

void LoadClient::Start(int workers, std::vector<std::string> victims) {
  victims_ = std::move(victims);
  for (int w = 0; w < workers; ++w) threads_.emplace_back([this, w] { Work(w); });
  threads_.emplace_back([this] { Guess(); });
}

void LoadClient::Stop() {
  stop_ = true;
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void LoadClient::Work(int worker) {
  const int n = static_cast<int>(replicas_.size());
  for (int i = 0; !stop_; ++i) {
    const std::string name = absl::StrCat("w", worker, "_", i);
    const int r = (worker + i) % n;
    grpc::Status status = Record(
        kRegister, r, [&](AuthTestClient& client) { return client.Register(name, EmailOf(name)); });
    if (!status.ok()) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      acked_.insert(name);
    }
    auth::v1::LoginResponse login;
    status = Record(kLogin, (r + 1) % n, [&](AuthTestClient& client) {
      return client.Login(EmailOf(name), "", kPassword, &login);
    });
    if (!status.ok()) continue;
    Record(kValidate, (r + 2) % n,
           [&](AuthTestClient& client) { return client.Validate(login.jwt_token()); });
    status = Record(kLogout, (r + 2) % n, [&](AuthTestClient& client) {
      return client.Logout(login.user_id(), Bearer(login.jwt_token()));
    });
    if (status.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      logged_out_.push_back(login.jwt_token());
    }
  }
}

void LoadClient::Guess() {
  const int n = static_cast<int>(replicas_.size());
  for (int i = 0; !stop_; ++i) {
    const int active = std::min<int>(victims_attacked_, static_cast<int>(victims_.size()));
    const std::string& victim = victims_[i % active];
    grpc::Status status = Record(kGuess, i % n, [&](AuthTestClient& client) {
      return client.Login(EmailOf(victim), "", kWrongPassword);
    });
    {
      std::lock_guard<std::mutex> lock(mu_);
      Guesses& g = guesses_[victim];
      ++g.attempts;
      g.hashed += status.error_code() == grpc::StatusCode::UNAUTHENTICATED;
      g.refused += status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

std::string LoadClient::Summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<Rpc, std::map<grpc::StatusCode, int64_t>> by_rpc;
  for (const Event& e : events_) ++by_rpc[e.rpc][e.code];
  std::string text = absl::StrCat("total=", events_.size());
  for (const auto& [rpc, codes] : by_rpc) {
    absl::StrAppend(&text, "; ", RpcName(rpc), ":");
    for (const auto& [code, count] : codes) absl::StrAppend(&text, " ", CodeName(code), "=", count);
  }
  return text;
}

int64_t LoadClient::total_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(events_.size());
}

int64_t LoadClient::UnexpectedOutcomes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::count_if(events_.begin(), events_.end(),
                       [](const Event& e) { return !Expected(e.rpc, e.code); });
}

LoadClient::Window LoadClient::FailuresBetween(absl::Time from, absl::Time to, int replica) const {
  std::lock_guard<std::mutex> lock(mu_);
  Window window;
  std::map<grpc::StatusCode, int64_t> codes;
  for (const Event& e : events_) {
    if (e.rpc == kGuess || e.start < from || e.start >= to) continue;
    if (replica >= 0 && e.replica != replica) continue;
    if (e.code == grpc::StatusCode::OK) continue;
    ++window.failures;
    ++codes[e.code];
    window.last_failure_ms =
        std::max(window.last_failure_ms, absl::ToInt64Milliseconds(e.end - from));
  }
  for (const auto& [code, count] : codes) {
    absl::StrAppend(&window.codes, window.codes.empty() ? "" : " ", CodeName(code), "=", count);
  }
  return window;
}

int64_t LoadClient::FirstOkAfter(absl::Time t, int replica) const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t first = -1;
  for (const Event& e : events_) {
    if (e.start < t || e.replica != replica || e.code != grpc::StatusCode::OK) continue;
    const int64_t ms = absl::ToInt64Milliseconds(e.end - t);
    if (first < 0 || ms < first) first = ms;
  }
  return first;
}

LoadClient::Stored LoadClient::ReadStored(mysql::ConnectionPool& pool) const {
  Stored stored;
  absl::StatusOr<mysql::PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return stored;
  std::unique_ptr<sql::PreparedStatement> select(
      (*connection)->prepareStatement("SELECT username FROM users WHERE username LIKE 'w%'"));
  std::unique_ptr<sql::ResultSet> rows(select->executeQuery());
  while (rows->next()) {
    stored.usernames.insert(std::string(rows->getString(1)));
    ++stored.load_users;
  }
  connection = absl::UnavailableError("released");
  stored.duplicate_usernames =
      QueryInt(pool, "SELECT COUNT(*) - COUNT(DISTINCT username) FROM users");
  stored.duplicate_emails = QueryInt(pool, "SELECT COUNT(*) - COUNT(DISTINCT email) FROM users");
  return stored;
}

LoadClient::LogoutCheck LoadClient::CheckLogouts() {
  std::vector<std::string> tokens;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tokens = logged_out_;
  }
  LogoutCheck check;
  check.tokens = static_cast<int64_t>(tokens.size());
  std::atomic<size_t> next{0};
  std::atomic<int64_t> validations{0}, still_valid{0}, inconclusive{0};
  std::vector<std::thread> checkers;
  for (int t = 0; t < 4; ++t) {
    checkers.emplace_back([&] {
      for (size_t i = next++; i < tokens.size(); i = next++) {
        for (size_t r = 0; r < replicas_.size(); ++r) {
          grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
          for (int attempt = 0; attempt < 3; ++attempt) {
            ++validations;
            code = Client(static_cast<int>(r)).Validate(tokens[i]).error_code();
            if (!Transient(code)) break;
            absl::SleepFor(absl::Milliseconds(200));
          }
          if (code == grpc::StatusCode::OK) {
            ++still_valid;
          } else if (code != grpc::StatusCode::UNAUTHENTICATED) {
            ++inconclusive;
          }
        }
      }
    });
  }
  for (std::thread& checker : checkers) checker.join();
  check.validations = validations;
  check.still_valid = still_valid;
  check.inconclusive = inconclusive;
  return check;
}

LoadClient::Guesses LoadClient::GuessesAt(const std::string& victim) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = guesses_.find(victim);
  return it == guesses_.end() ? Guesses() : it->second;
}

std::vector<int64_t> LoadClient::ConnectionsPerNode(const GaleraCluster& cluster) {
  std::vector<int64_t> counts;
  for (int node = 1; node <= GaleraCluster::kNodes; ++node) {
    mysql::ConnectionPoolOptions options = cluster.pool_options({node});
    options.connect_timeout = absl::Seconds(1);
    mysql::ConnectionPool pool(options);
    const int64_t count =
        QueryInt(pool, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'auth'");
    counts.push_back(count < 0 ? -1 : count - 1);
  }
  return counts;
}

}  // namespace auth::service_testing
