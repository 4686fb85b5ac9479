// Stress tests for MicroBatcher on a real BoundedExecutor: many threads adding at once, with
// random work, expired items and (in one run) an executor that refuses tasks. They check that
// every accepted item is answered exactly once, refused ones never, that no item is stranded
// (callers waiting for their own answer would hang), and that batches and concurrency stay
// within their bounds. Deterministic behaviour is tested in micro_batcher_test.cc.
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/executor/bounded_executor.h"
#include "libs/executor/micro_batcher.h"
#include "libs/executor/test_helpers.h"

namespace auth::executor {
namespace {

using ::auth::executor_testing::BatcherOptions;
using ::auth::executor_testing::kWait;
using ::auth::executor_testing::MakeOptions;
using ::auth::executor_testing::Notification;

using IntBatcher = MicroBatcher<int>;

// Callers that wait for their own answer before adding again (like RPCs) hang if a task ever
// exits while an item is pending. One slot makes every Add() race with the task's exit.
TEST(MicroBatcherStressTest, ClosedLoopCallersAreNeverStranded) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 300;
  using Done = std::shared_ptr<Notification>;  // Shared: a stranded item may outlive its caller.
  BoundedExecutor executor(MakeOptions(2));
  std::atomic<int> failed{0};
  MicroBatcher<Done> batcher(
      executor, MicroBatcher<Done>::Options{"closed-loop", 4, 1},
      [](std::vector<Done>& items) {
        for (Done& done : items) done->Notify();
      },
      [&failed](Done& done, const absl::Status&) {
        ++failed;
        done->Notify();
      });

  std::atomic<int> stranded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        auto done = std::make_shared<Notification>();
        if (!batcher.Add(done, absl::InfiniteFuture()).ok() ||
            !done->WaitForNotificationWithTimeout(kWait)) {
          ++stranded;
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  executor.Shutdown();
  EXPECT_EQ(stranded.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(batcher.pending(), 0);
  EXPECT_EQ(batcher.in_flight(), 0);
}

// Many producers, random work, some expired items, and (when `max_queue` is small) the executor
// refusing tasks: every accepted item is answered exactly once, rejected ones never; batches and
// concurrency stay within their bounds.
void RunStress(int workers, size_t max_queue) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2000;
  constexpr int kTotal = kThreads * kPerThread;
  constexpr int kMaxBatch = 16;
  constexpr int kMaxInFlight = 3;
  std::vector<std::atomic<int>> ran(kTotal);
  std::vector<std::atomic<int>> failed(kTotal);
  std::vector<std::atomic<int>> accepted(kTotal);
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  std::atomic<int> oversized{0};
  std::atomic<int> bad_rejections{0};
  {
    BoundedExecutor executor(MakeOptions(workers, max_queue));
    // Room in the batcher's queue for every item: this test is about exactly-once answers, and
    // refusals must come only from the executor's bound below (the queue's own cap has its
    // tests in micro_batcher_queue_test). With the default cap of 4096, a slow run (ASan)
    // refused items once the 8 producers got ahead of the workers.
    IntBatcher::Options options = BatcherOptions(kMaxBatch, kMaxInFlight);
    options.max_pending = kTotal;
    IntBatcher batcher(
        executor, std::move(options),
        [&](std::vector<int>& items) {
          const int now_running = ++running;
          int seen = max_running.load();
          while (now_running > seen && !max_running.compare_exchange_weak(seen, now_running)) {
          }
          if (items.empty() || static_cast<int>(items.size()) > kMaxBatch) ++oversized;
          thread_local std::minstd_rand rng(std::random_device{}());
          if (rng() % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 200));
          for (int item : items) ++ran[item];
          --running;
        },
        [&](int& item, const absl::Status&) { ++failed[item]; });

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::minstd_rand rng(t + 1);
        const absl::Time past = absl::Now() - absl::Seconds(1);
        for (int i = 0; i < kPerThread; ++i) {
          const int item = t * kPerThread + i;
          const absl::Status status =
              batcher.Add(item, rng() % 10 == 0 ? past : absl::InfiniteFuture());
          if (status.ok()) {
            ++accepted[item];
          } else if (status.code() != absl::StatusCode::kResourceExhausted) {
            ++bad_rejections;
          }
          if (rng() % 8 == 0) std::this_thread::yield();
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    executor.Shutdown();  // Every task has run; every accepted item must be answered now.
    EXPECT_EQ(batcher.pending(), 0);
    EXPECT_EQ(batcher.in_flight(), 0);
  }
  int accepted_count = 0;
  int answered_count = 0;
  int wrong = 0;
  for (int item = 0; item < kTotal; ++item) {
    accepted_count += accepted[item];
    answered_count += ran[item] + failed[item];
    if (ran[item] + failed[item] != accepted[item]) ++wrong;
  }
  EXPECT_EQ(wrong, 0) << "items answered a wrong number of times";
  EXPECT_EQ(answered_count, accepted_count);
  EXPECT_GT(accepted_count, 0);
  EXPECT_EQ(bad_rejections.load(), 0);
  EXPECT_EQ(oversized.load(), 0);
  EXPECT_LE(max_running.load(), kMaxInFlight);
  if (max_queue >= static_cast<size_t>(kMaxInFlight)) {
    EXPECT_EQ(accepted_count, kTotal);  // Room for every task: nothing may be refused.
  }
}

// More workers than batch slots, so exceeding max_in_flight would show as concurrent batches.
TEST(MicroBatcherStressTest, EveryItemAnsweredExactlyOnce) {
  RunStress(/*workers=*/4, /*max_queue=*/1024);
}

// One worker and a one-task queue: the third outstanding task is refused, so Add() keeps
// giving back reservations while other items count on them.
TEST(MicroBatcherStressTest, RefusedTasksNeitherLoseNorDoubleAnswerItems) {
  RunStress(/*workers=*/1, /*max_queue=*/1);
}

}  // namespace
}  // namespace auth::executor
