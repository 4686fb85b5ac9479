#include "tools/loadgen/driver.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::loadgen {
namespace {

using ::testing::Ge;
using ::testing::Le;

// Completes every call after `latency` on a thread of its own, with `code`; can be told to run
// dry after `limit` calls. Tracks the most calls it ever had in flight.
class FakeWorkload : public Workload {
 public:
  FakeWorkload(absl::Duration latency, grpc::StatusCode code = grpc::StatusCode::OK,
               int64_t limit = -1)
      : latency_(latency), code_(code), limit_(limit), worker_([this] { Work(); }) {}

  ~FakeWorkload() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  bool Start(int, absl::Time, CallDone done) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (limit_ >= 0 && started_ >= limit_) return false;
    ++started_;
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    pending_.push_back({absl::Now() + latency_, std::move(done)});
    cv_.notify_all();
    return true;
  }

  int64_t started() {
    std::lock_guard<std::mutex> lock(mutex_);
    return started_;
  }
  int max_in_flight() {
    std::lock_guard<std::mutex> lock(mutex_);
    return max_in_flight_;
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;
      auto [due, done] = std::move(pending_.front());
      pending_.pop_front();
      lock.unlock();
      const absl::Duration wait = due - absl::Now();
      if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
      lock.lock();
      --in_flight_;
      lock.unlock();
      done(grpc::Status(code_, ""), true);  // may call Start() again
      lock.lock();
    }
  }

  const absl::Duration latency_;
  const grpc::StatusCode code_;
  const int64_t limit_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<absl::Time, CallDone>> pending_;
  int64_t started_ = 0;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

TEST(RunLoadTest, ClosedLoopRecordsOnlyTheWindow) {
  FakeWorkload workload(absl::Milliseconds(1));
  LoadOptions options;
  options.concurrency = 4;
  options.warmup = absl::Milliseconds(200);
  options.duration = absl::Milliseconds(400);
  int window_events = 0;
  options.on_window_start = [&] { ++window_events; };
  options.on_window_end = [&] { ++window_events; };
  const LoadResult result = RunLoad(workload, options);
  EXPECT_EQ(window_events, 2);
  EXPECT_FALSE(result.ran_dry);
  EXPECT_EQ(result.window, absl::Milliseconds(400));
  EXPECT_GT(result.totals.ok, 0);
  EXPECT_EQ(result.totals.calls, result.totals.ok);
  // Calls of the warm-up were made but not recorded.
  EXPECT_GT(workload.started(), result.totals.calls);
  EXPECT_THAT(workload.max_in_flight(), Le(4));
  // One fake worker serialises completions: latency of each is at least 1 ms.
  for (int64_t latency : result.totals.ok_latencies_us) EXPECT_THAT(latency, Ge(1000));
}

TEST(RunLoadTest, BurstSendsExactlyTheCallsAndRecordsErrors) {
  FakeWorkload workload(absl::Milliseconds(1), grpc::StatusCode::DEADLINE_EXCEEDED);
  LoadOptions options;
  options.concurrency = 10;
  options.total_calls = 25;
  options.warmup = absl::Seconds(5);  // ignored by a burst
  options.duration = absl::Seconds(10);
  const absl::Time start = absl::Now();
  const LoadResult result = RunLoad(workload, options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(workload.started(), 25);
  EXPECT_EQ(result.totals.calls, 25);
  EXPECT_EQ(result.totals.ok, 0);
  EXPECT_EQ(result.totals.errors.at("DEADLINE_EXCEEDED"), 25);
  EXPECT_THAT(workload.max_in_flight(), Le(10));
}

TEST(RunLoadTest, StopsEarlyWhenTheWorkloadRunsDry) {
  FakeWorkload workload(absl::Milliseconds(1), grpc::StatusCode::OK, /*limit=*/50);
  LoadOptions options;
  options.concurrency = 5;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Seconds(20);
  const absl::Time start = absl::Now();
  const LoadResult result = RunLoad(workload, options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(result.ran_dry);
  EXPECT_EQ(result.totals.ok, 50);
  EXPECT_LT(result.window, absl::Seconds(5));
}

TEST(RunLoadTest, OpenLoopKeepsTheRate) {
  FakeWorkload workload(absl::Microseconds(100));
  LoadOptions options;
  options.concurrency = 50;
  options.rate = 200;
  options.warmup = absl::Milliseconds(100);
  options.duration = absl::Seconds(1);
  const LoadResult result = RunLoad(workload, options);
  // 200 calls due in the window; allow for scheduling jitter at the edges.
  EXPECT_THAT(result.totals.ok, Ge(180));
  EXPECT_THAT(result.totals.ok, Le(220));
}

TEST(RunLoadTest, OpenLoopCountsCallsItCouldNotSend) {
  // Each call takes 50 ms and only 2 may be in flight: at 200/s most calls are not sent.
  FakeWorkload workload(absl::Milliseconds(50));
  LoadOptions options;
  options.concurrency = 2;
  options.rate = 200;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Milliseconds(500);
  const LoadResult result = RunLoad(workload, options);
  ASSERT_TRUE(result.totals.errors.count(kNotSent));
  EXPECT_GT(result.totals.errors.at(kNotSent), 50);
  EXPECT_LT(result.totals.ok, 30);
}

}  // namespace
}  // namespace auth::loadgen
