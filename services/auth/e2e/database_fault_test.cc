// Fault test: the database is killed (SIGKILL) under a steady stream of Register and Login
// calls, then started again. Every call must end within its deadline with OK or UNAVAILABLE,
// the server must stay up and recover by itself, and every acknowledged registration must be
// stored completely. Prints its figures ("RELIABILITY database_kill: ...").
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/e2e/reliability_fixture.h"

namespace auth::service_testing {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(2);
// Scheduling noise allowed on top of a deadline before a call counts as hung.
constexpr absl::Duration kSlack = absl::Milliseconds(300);
constexpr int kClients = 4;

enum Phase { kHealthy = 0, kOutage = 1, kRestarting = 2, kRestarted = 3 };

TEST_F(ReliabilityTest, DatabaseKilledDuringTrafficFailsFastAndRecovers) {
  // All clients share one address; this test is about faults, not abuse limits.
  std::unique_ptr<Replica> replica =
      StartReplica({"--registrations_per_address=0", "--login_failures_per_address=0"});
  ASSERT_NE(replica, nullptr);
  for (int c = 0; c < kClients; ++c) {
    ASSERT_TRUE(Register(*replica->stub(), absl::StrCat("steady", c)).ok());
  }

  std::atomic<int> phase{kHealthy};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> first_ok_after_restart_ms{-1};
  const absl::Time start = absl::Now();
  Tally registers, logins, during_outage;
  Registrations registrations;

  auto record = [&](Tally& tally, const grpc::Status& status, absl::Duration latency,
                    int started_in) {
    tally.Record(status.error_code(), latency);
    // Calls wholly inside the outage: started after mariadbd was reaped, ended before the
    // restart began.
    if (started_in == kOutage && phase.load() == kOutage) {
      during_outage.Record(status.error_code(), latency);
    }
    if (status.ok() && started_in == kRestarted) {
      int64_t expected = -1;
      first_ok_after_restart_ms.compare_exchange_strong(
          expected, absl::ToInt64Milliseconds(absl::Now() - start));
    }
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop.load(); ++i) {
        int started_in = phase.load();
        absl::Time begin = absl::Now();
        grpc::Status status =
            Register(*replica->stub(), absl::StrCat("c", c, "_", i), kDeadline, registrations);
        record(registers, status, absl::Now() - begin, started_in);
        started_in = phase.load();
        begin = absl::Now();
        status = Login(*replica->stub(), EmailOf(absl::StrCat("steady", c)), kPassword, nullptr,
                       nullptr, kDeadline);
        record(logins, status, absl::Now() - begin, started_in);
        // Pace the stream: steady traffic, not a flood of instant failures.
        if (!status.ok()) absl::SleepFor(absl::Milliseconds(20));
      }
    });
  }

  absl::SleepFor(absl::Seconds(2));
  ASSERT_THAT(backend_->database().Kill(), auth::test_util::IsOk());
  // Set once mariadbd is reaped: a call that started in the outage phase had no database.
  const absl::Time killed_at = absl::Now();
  phase = kOutage;
  absl::SleepFor(absl::Seconds(3));
  phase = kRestarting;
  ASSERT_THAT(backend_->database().Restart(), auth::test_util::IsOk());
  const absl::Time restarted_at = absl::Now();
  phase = kRestarted;
  // The service must recover by itself: no restart, no operator.
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (first_ok_after_restart_ms.load() < 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  for (std::thread& client : clients) client.join();

  const bool server_up = replica->Running();
  EXPECT_TRUE(server_up) << "auth_server exited";
  ASSERT_GE(first_ok_after_restart_ms.load(), 0) << "no call succeeded after the restart";
  const int64_t recovery_ms =
      first_ok_after_restart_ms.load() - absl::ToInt64Milliseconds(restarted_at - start);

  // Durability and completeness, read straight from the database.
  const StoredUsers stored =
      CheckStoredUsers(*replica->stub(), registrations, /*skip_prefix=*/"steady");

  Report(
      "database_kill",
      absl::StrCat("Register{", registers.Summary(), "} Login{", logins.Summary(), "} outage{",
                   during_outage.Summary(), "} faults=1 (SIGKILL mariadbd)",
                   " outage_ms=", absl::ToInt64Milliseconds(restarted_at - killed_at),
                   " recovery_ms=", recovery_ms, " server_up=", server_up, " ", stored.Summary()));

  // Fail fast: nothing but OK or UNAVAILABLE, nothing past its deadline.
  EXPECT_EQ(registers.CountOtherThan({grpc::StatusCode::OK, grpc::StatusCode::UNAVAILABLE}), 0)
      << registers.Summary();
  EXPECT_EQ(logins.CountOtherThan({grpc::StatusCode::OK, grpc::StatusCode::UNAVAILABLE}), 0)
      << logins.Summary();
  EXPECT_LE(registers.slowest(), kDeadline + kSlack);
  EXPECT_LE(logins.slowest(), kDeadline + kSlack);
  // The outage was real and seen: calls made during it failed, none succeeded.
  EXPECT_GT(during_outage.count(grpc::StatusCode::UNAVAILABLE), 0);
  EXPECT_EQ(during_outage.count(grpc::StatusCode::OK), 0);
  EXPECT_GT(registers.count(grpc::StatusCode::OK), 0);
  stored.ExpectNothingLost();
}

}  // namespace
}  // namespace auth::service_testing
