// The kill test: three auth_server replicas on a 3-node Galera cluster, each with all three
// nodes as endpoints and preferring a different one, under a steady mixed load (Register, Login,
// ValidateToken, Logout spread over the replicas, plus a password-guessing client), while node 1
// is SIGKILLed and brought back, then replica 1 is SIGKILLed and brought back. Afterwards:
// every acknowledged registration is stored exactly once, no username or email twice, every
// acknowledged logout is enforced by every replica, no fresh token or fresh account was missed
// by another replica, and no account got more than 5 hashed password guesses in total.
// Prints "GALERA kill_test ..." figure lines (quoted in RELIABILITY.md).
#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/galera_cluster.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/e2e/load_client.h"
#include "services/auth/testing/auth_server_process.h"
#include "services/auth/testing/replica.h"
#include "services/auth/testing/test_password.h"

namespace auth::service_testing {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::TestTempPath;

constexpr int kReplicas = 3;
constexpr int kWorkers = 6;
constexpr int kVictims = 4;
constexpr int kLoginFailuresPerAccount = 5;

void Report(const std::string& name, const std::string& figures) {
  std::cout << "GALERA kill_test " << name << ": " << figures << std::endl;
}

class GaleraKillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<GaleraCluster>> cluster = GaleraCluster::Start();
    ASSERT_THAT(cluster, IsOk());
    cluster_ = *std::move(cluster);
    key_file_ = TestTempPath("jwt.pem");
    ASSERT_THAT(GenerateSigningKey(key_file_, TestTempPath("jwt.pub.pem")), IsOk());
    for (int i = 0; i < kReplicas; ++i) {
      replicas_.push_back(std::make_unique<Replica>());
      ASSERT_TRUE(StartReplica(i)) << "replica " << i << " did not start";
    }
  }

  void TearDown() override {
    replicas_.clear();  // SIGKILLs the servers before the cluster goes
    cluster_.reset();
  }

  // Starts replica `i` on a new port; its endpoints start at node i+1 and wrap around.
  bool StartReplica(int i) {
    std::vector<int> order;
    for (int k = 0; k < GaleraCluster::kNodes; ++k) order.push_back((i + k) % 3 + 1);
    std::vector<std::string> flags = {
        "--mysql_endpoint=" + cluster_->EndpointList(order), "--mysql_user=auth",
        "--mysql_database=auth", "--mysql_password_file=" + cluster_->password_file(),
        "--token_signing_key=" + key_file_,
        // Every client here is 127.0.0.1: only the per-account limit is meaningful.
        "--login_failures_per_address=0", "--registrations_per_address=0",
        absl::StrCat("--login_failures_per_account=", kLoginFailuresPerAccount)};
    for (std::string& flag : CheapHashingFlags()) flags.push_back(std::move(flag));
    absl::StatusOr<std::unique_ptr<AuthServerProcess>> server =
        AuthServerProcess::Start(std::move(flags));
    if (!server.ok()) {
      ADD_FAILURE() << server.status();
      return false;
    }
    replicas_[i]->Reset(*std::move(server));
    return true;
  }

  std::unique_ptr<GaleraCluster> cluster_;
  std::string key_file_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

TEST_F(GaleraKillTest, SteadyLoadSurvivesADatabaseNodeAndAReplicaKilled) {
  LoadClient load(replicas_);
  // The password guessers' targets, registered before anything else happens.
  std::vector<std::string> victims;
  for (int v = 0; v < kVictims; ++v) {
    victims.push_back(absl::StrCat("victim", v));
    ASSERT_TRUE(load.Register(v % kReplicas, victims.back()).ok());
  }
  load.Start(kWorkers, victims);
  const absl::Time t0 = absl::Now();
  auto ms = [&](absl::Time t) { return absl::ToInt64Milliseconds(t - t0); };

  absl::SleepFor(absl::Seconds(4));
  const std::vector<int64_t> connections_before = load.ConnectionsPerNode(*cluster_);
  load.AttackNextVictim();  // victim 1 is guessed at while node 1 is down
  const absl::Time db_kill = absl::Now();
  ASSERT_THAT(cluster_->Kill(1), IsOk());
  absl::SleepFor(absl::Seconds(4));
  const std::vector<int64_t> connections_down = load.ConnectionsPerNode(*cluster_);

  load.AttackNextVictim();  // victim 2 while node 1 rejoins
  const absl::Time rejoin_start = absl::Now();
  ASSERT_OK_AND_ASSIGN(absl::Duration rejoin, cluster_->Restart(1));
  // The replicas probe node 1 again within 5 s (the pool's endpoint_retry_after) and the one
  // that prefers it moves back.
  absl::SleepFor(absl::Seconds(7));
  const std::vector<int64_t> connections_after = load.ConnectionsPerNode(*cluster_);

  load.AttackNextVictim();  // victim 3 while replica 1 is killed
  const absl::Time server_kill = absl::Now();
  ASSERT_THAT(replicas_[1]->Kill(), IsOk());
  absl::SleepFor(absl::Seconds(1));
  const absl::Time server_restart = absl::Now();
  ASSERT_TRUE(StartReplica(1));
  const absl::Duration restart_to_listening = absl::Now() - server_restart;
  absl::SleepFor(absl::Seconds(4));
  load.Stop();
  const absl::Time t_end = absl::Now();

  // --- what the clients saw ----------------------------------------------------------------
  Report("calls", load.Summary());
  Report("throughput", absl::StrCat("seconds=", absl::ToDoubleSeconds(t_end - t0), " calls_per_s=",
                                    load.total_calls() / absl::ToDoubleSeconds(t_end - t0)));
  const LoadClient::Window db_window = load.FailuresBetween(db_kill, rejoin_start, -1);
  const LoadClient::Window rejoin_window = load.FailuresBetween(rejoin_start, server_kill, -1);
  const LoadClient::Window server_window = load.FailuresBetween(server_kill, t_end, 1);
  Report("database_node_kill",
         absl::StrCat("failed_calls=", db_window.failures, " (", db_window.codes,
                      ") last_failure_after_kill_ms=", db_window.last_failure_ms,
                      " node_rejoin_ms=", absl::ToInt64Milliseconds(rejoin),
                      " failed_calls_during_rejoin_and_failback=", rejoin_window.failures));
  Report("database_connections_per_node",
         absl::StrCat("before=", absl::StrJoin(connections_before, "/"),
                      " node1_down=", absl::StrJoin(connections_down, "/"),
                      " after_rejoin=", absl::StrJoin(connections_after, "/")));
  Report(
      "replica_kill",
      absl::StrCat("failed_calls_on_replica1=", server_window.failures, " (", server_window.codes,
                   ") restart_to_listening_ms=", absl::ToInt64Milliseconds(restart_to_listening),
                   " first_ok_after_kill_ms=",
                   load.FirstOkAfter(server_restart, 1) >= 0
                       ? load.FirstOkAfter(server_restart, 1) + ms(server_restart) - ms(server_kill)
                       : -1));
  // Node 1 served again after its rejoin (the replica preferring it moved back).
  EXPECT_GE(connections_after[0], 1) << "no replica returned to node 1";
  EXPECT_EQ(connections_down[0], -1) << "node 1 answered while killed";
  EXPECT_GE(load.FirstOkAfter(server_restart, 1), 0) << "replica 1 served nothing after restart";
  // Only OK or transient codes; never a wrong answer.
  EXPECT_EQ(load.UnexpectedOutcomes(), 0) << load.Summary();

  // --- what the database holds ---------------------------------------------------------------
  mysql::ConnectionPool pool(cluster_->pool_options({2, 3, 1}));
  const LoadClient::Stored stored = load.ReadStored(pool);
  const std::set<std::string>& acked = load.acknowledged_registrations();
  int64_t missing = 0;
  for (const std::string& name : acked) missing += stored.usernames.count(name) == 0;
  Report("registrations",
         absl::StrCat("acknowledged=", acked.size(), " found=", stored.load_users,
                      " missing=", missing, " stored_unacknowledged=",
                      stored.load_users - static_cast<int64_t>(acked.size()) + missing,
                      " duplicate_usernames=", stored.duplicate_usernames,
                      " duplicate_emails=", stored.duplicate_emails));
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(stored.duplicate_usernames, 0);
  EXPECT_EQ(stored.duplicate_emails, 0);
  EXPECT_GT(acked.size(), 50u) << "too little load to mean anything";

  // --- every acknowledged logout, on every replica ---------------------------------------------
  const LoadClient::LogoutCheck logouts = load.CheckLogouts();
  Report("logouts", absl::StrCat("acknowledged=", logouts.tokens, " validations=",
                                 logouts.validations, " still_valid=", logouts.still_valid,
                                 " inconclusive=", logouts.inconclusive));
  EXPECT_EQ(logouts.still_valid, 0);
  EXPECT_EQ(logouts.inconclusive, 0);
  EXPECT_GT(logouts.tokens, 50);

  // --- brute force: at most 5 hashed guesses per account, over all replicas --------------------
  std::string guesses;
  for (const std::string& victim : victims) {
    const LoadClient::Guesses g = load.GuessesAt(victim);
    absl::StrAppend(&guesses, victim, ":", g.attempts, "/", g.hashed, "/", g.refused, " ");
    EXPECT_LE(g.hashed, kLoginFailuresPerAccount) << victim;
    if (g.hashed == kLoginFailuresPerAccount) {
      // The right password is refused too, by every replica, until the window ends.
      for (int r = 0; r < kReplicas; ++r) {
        EXPECT_EQ(load.Login(r, victim, kPassword).error_code(),
                  grpc::StatusCode::RESOURCE_EXHAUSTED)
            << victim << " on replica " << r;
      }
    }
  }
  Report("brute_force", absl::StrCat("per victim attempts/hashed(UNAUTHENTICATED)/refused: ",
                                     guesses, "limit=", kLoginFailuresPerAccount));
}

}  // namespace
}  // namespace auth::service_testing
