// Fault test: auth_server is killed with SIGKILL, repeatedly, under a steady stream of
// registrations, and started again each time. Every registration answered OK before a kill
// must be stored, and no user may exist without a complete record. Prints its figures
// ("RELIABILITY server_kill: ...").
#include <signal.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
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
constexpr absl::Duration kSlack = absl::Milliseconds(300);
constexpr int kClients = 4;
constexpr int kKills = 3;

TEST_F(ReliabilityTest, ServerKilledDuringRegistrationsLosesNoAcknowledgedUser) {
  const std::vector<std::string> flags = {"--registrations_per_address=0"};
  std::unique_ptr<Replica> replica = StartReplica(flags);
  ASSERT_NE(replica, nullptr);

  std::atomic<bool> stop{false};
  Tally registers;
  Registrations registrations;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop.load(); ++i) {
        const absl::Time begin = absl::Now();
        // The replica's current stub: the clients follow the server to its new port after
        // each restart.
        const grpc::Status status =
            Register(*replica->stub(), absl::StrCat("k", c, "_", i), kDeadline, registrations);
        registers.Record(status.error_code(), absl::Now() - begin);
        if (!status.ok()) absl::SleepFor(absl::Milliseconds(20));
      }
    });
  }

  int kills = 0;
  int64_t restart_ms_total = 0;
  for (int k = 0; k < kKills; ++k) {
    absl::SleepFor(absl::Milliseconds(1500));
    // SIGKILL: no drain, no shutdown hook; calls in flight are cut off.
    ASSERT_OK_AND_ASSIGN(const ExitStatus killed, replica->Kill());
    ASSERT_EQ(killed.signal, SIGKILL) << killed.ToString();
    ++kills;
    const absl::Time restart_begin = absl::Now();
    std::unique_ptr<AuthServerProcess> server = StartServer(flags);
    ASSERT_NE(server, nullptr);
    replica->Reset(std::move(server));
    restart_ms_total += absl::ToInt64Milliseconds(absl::Now() - restart_begin);
  }
  absl::SleepFor(absl::Milliseconds(1500));
  stop = true;
  for (std::thread& client : clients) client.join();

  const StoredUsers stored = CheckStoredUsers(*replica->stub(), registrations);

  Report("server_kill", absl::StrCat("Register{", registers.Summary(), "} faults=", kills,
                                     " (SIGKILL auth_server) mean_restart_ms=",
                                     restart_ms_total / kills, " ", stored.Summary()));

  EXPECT_EQ(kills, kKills);
  EXPECT_GT(registers.count(grpc::StatusCode::OK), 0);
  EXPECT_GT(registers.count(grpc::StatusCode::UNAVAILABLE), 0) << "the kills went unnoticed";
  EXPECT_EQ(registers.CountOtherThan({grpc::StatusCode::OK, grpc::StatusCode::UNAVAILABLE}), 0)
      << registers.Summary();
  EXPECT_LE(registers.slowest(), kDeadline + kSlack);
  stored.ExpectNothingLost();
}

}  // namespace
}  // namespace auth::service_testing
