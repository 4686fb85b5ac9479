#include "tools/loadgen/proc_stats.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::loadgen {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::Ge;
using ::testing::Gt;

TEST(ParseStatCpuTicksTest, SumsUtimeAndStime) {
  // The command name holds spaces and a ')', which must not shift the fields.
  const std::string stat =
      "4242 (auth server) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 9 0 100 "
      "1000000 500 18446744073709551615";
  ASSERT_OK_AND_ASSIGN(int64_t ticks, ParseStatCpuTicks(stat));
  EXPECT_EQ(ticks, 325);
}

TEST(ParseStatCpuTicksTest, RefusesTruncatedStat) {
  EXPECT_THAT(ParseStatCpuTicks("4242 (x) S 1 2 3"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseStatCpuTicks("no parenthesis"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseStatusKibTest, FindsNamedLine) {
  const std::string status =
      "Name:\tauth_server\nVmPeak:\t  900000 kB\nVmHWM:\t   65536 kB\nVmRSS:\t   20480 kB\n";
  ASSERT_OK_AND_ASSIGN(int64_t peak, ParseStatusKib(status, "VmHWM"));
  EXPECT_EQ(peak, 65536);
  ASSERT_OK_AND_ASSIGN(int64_t rss, ParseStatusKib(status, "VmRSS"));
  EXPECT_EQ(rss, 20480);
  EXPECT_THAT(ParseStatusKib(status, "VmSwap"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ParseStatusKib(status, "Vm"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(ParseMachineStatTest, BusyIsAllButIdleAndIowait) {
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  ASSERT_OK_AND_ASSIGN(MachineSample sample,
                       ParseMachineStat("cpu  100 5 20 1000 50 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7\n"));
  EXPECT_DOUBLE_EQ(sample.busy_seconds, 130 / tick);
  EXPECT_DOUBLE_EQ(sample.total_seconds, 1180 / tick);
  EXPECT_THAT(ParseMachineStat("intr 1 2 3"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMachineStat("cpu 1 2 x 4 5 6"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SampleProcessTest, SamplesThisProcess) {
  std::vector<char> ballast(32 << 20, 1);  // 32 MiB touched: RSS must show it
  absl::StatusOr<ProcessSample> sample = SampleProcess(getpid());
  ASSERT_THAT(sample, IsOk());
  EXPECT_THAT(sample->rss_kib, Ge(32 * 1024));
  EXPECT_THAT(sample->peak_rss_kib, Ge(sample->rss_kib));
  EXPECT_THAT(sample->cpu_seconds, Ge(0.0));
  EXPECT_EQ(ballast[ballast.size() - 1], 1);
}

TEST(SampleProcessTest, ResetPeakRssLowersThePeak) {
  {
    // mmap/munmap rather than the heap: the pages must really go back to the kernel, which a
    // heap block need not do (and under ASan, freed memory stays in quarantine).
    constexpr size_t kBallastBytes = 64 << 20;
    void* ballast =
        mmap(nullptr, kBallastBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(ballast, MAP_FAILED);
    std::memset(ballast, 1, kBallastBytes);
    EXPECT_EQ(static_cast<char*>(ballast)[12345], 1);
    ASSERT_EQ(munmap(ballast, kBallastBytes), 0);
  }
  absl::StatusOr<ProcessSample> before = SampleProcess(getpid());
  ASSERT_THAT(before, IsOk());
  ASSERT_THAT(before->peak_rss_kib, Gt(64 * 1024));
  ASSERT_THAT(ResetPeakRss(getpid()), IsOk());
  absl::StatusOr<ProcessSample> after = SampleProcess(getpid());
  ASSERT_THAT(after, IsOk());
  EXPECT_LT(after->peak_rss_kib, before->peak_rss_kib - 32 * 1024);
}

TEST(SampleProcessTest, NoSuchProcess) {
  EXPECT_THAT(SampleProcess(-5), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace auth::loadgen
