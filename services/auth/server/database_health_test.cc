// Unit tests of DatabaseHealthMonitor with a scripted probe: it reports NOT_SERVING on the
// first failed probe and SERVING on the first good one after it, only on changes, and never
// after Stop(). (PingDatabase against a real database: e2e/health_e2e_test.cc.)
#include "services/auth/server/database_health.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::service {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr absl::Duration kPeriod = absl::Milliseconds(5);

// What the monitor reported, in order.
class Reports {
 public:
  void Add(bool serving) {
    std::lock_guard<std::mutex> lock(mu_);
    reports_.push_back(serving);
  }
  std::vector<bool> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_;
  }
  // Waits up to 10 s for `count` reports.
  std::vector<bool> WaitFor(size_t count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (Get().size() < count && absl::Now() < deadline) absl::SleepFor(kPeriod);
    return Get();
  }

 private:
  std::mutex mu_;
  std::vector<bool> reports_;
};

TEST(DatabaseHealthMonitorTest, ReportsNotServingWhileTheProbeFailsAndServingWhenItRecovers) {
  std::atomic<bool> database_up{true};
  std::atomic<int> probes{0};
  Reports reports;
  DatabaseHealthMonitor monitor(
      [&] {
        ++probes;
        return database_up ? absl::OkStatus() : absl::UnavailableError("down");
      },
      [&](bool serving) { reports.Add(serving); }, kPeriod);
  monitor.Start();
  // Good probes change nothing: no report.
  while (probes < 3) absl::SleepFor(kPeriod);
  EXPECT_THAT(reports.Get(), IsEmpty());

  database_up = false;
  EXPECT_THAT(reports.WaitFor(1), ElementsAre(false));
  // Further failures are not reported again.
  const int probes_while_down = probes + 3;
  while (probes < probes_while_down) absl::SleepFor(kPeriod);
  EXPECT_THAT(reports.Get(), ElementsAre(false));

  database_up = true;
  EXPECT_THAT(reports.WaitFor(2), ElementsAre(false, true));
  monitor.Stop();
}

TEST(DatabaseHealthMonitorTest, NothingIsReportedOrProbedAfterStop) {
  std::atomic<int> probes{0};
  Reports reports;
  DatabaseHealthMonitor monitor(
      [&] {
        ++probes;
        return absl::UnavailableError("down");
      },
      [&](bool serving) { reports.Add(serving); }, kPeriod);
  monitor.Start();
  EXPECT_THAT(reports.WaitFor(1), ElementsAre(false));
  monitor.Stop();
  const int probes_at_stop = probes;
  absl::SleepFor(kPeriod * 10);
  EXPECT_EQ(probes, probes_at_stop);
  monitor.Stop();  // idempotent
}

TEST(DatabaseHealthMonitorTest, StopWithoutStartIsFine) {
  DatabaseHealthMonitor monitor([] { return absl::OkStatus(); }, [](bool) {}, kPeriod);
  monitor.Stop();
}

}  // namespace
}  // namespace auth::service
