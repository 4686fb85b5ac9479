// Tests for the MicroBatcher's bounded queue: a full queue refuses items (kResourceExhausted)
// and keeps nothing, first dropping the expired items at its front; expired items are failed
// outside the lock, a few at a time, so Add() never waits behind a long run of them; and every
// accepted item is still answered exactly once when the cap, deadlines and batches race.
#include <atomic>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/executor/bounded_executor.h"
#include "libs/executor/micro_batcher.h"
#include "libs/executor/test_helpers.h"
#include "libs/testing/status_matchers.h"

namespace auth::executor {
namespace {

using ::auth::executor_testing::BatcherOptions;
using ::auth::executor_testing::BatchRecorder;
using ::auth::executor_testing::MakeOptions;
using ::auth::executor_testing::WorkerBlocker;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

using IntBatcher = MicroBatcher<int>;

// True if another thread can take the batcher's lock within a few seconds: called from fail(),
// it tells whether fail() runs with the lock held (the probe would then wait until it returns).
bool LockIsFree(const IntBatcher& batcher) {
  std::future<int> probe = std::async(std::launch::async, [&batcher] { return batcher.pending(); });
  return probe.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
}

TEST(MicroBatcherQueueTest, FullQueueRefusesTheItemAndKeepsNothing) {
  BatchRecorder recorder;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher batcher(executor, BatcherOptions(4, 1, /*max_pending=*/3), recorder.RunBatch(),
                     recorder.Fail());

  for (int i = 0; i < 3; ++i) ASSERT_THAT(batcher.Add(i, absl::InfiniteFuture()), IsOk());
  EXPECT_THAT(batcher.Add(3, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(batcher.pending(), 3);
  EXPECT_EQ(batcher.in_flight(), 1);

  blocker.Release();
  ASSERT_TRUE(recorder.WaitForAnswers(3));
  // Room again: accepted as usual.
  ASSERT_THAT(batcher.Add(4, absl::InfiniteFuture()), IsOk());
  ASSERT_TRUE(recorder.WaitForAnswers(4));
  executor.Shutdown();
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(0, 1, 2), ElementsAre(4)));
  EXPECT_TRUE(recorder.failures().empty());
  EXPECT_EQ(recorder.answers(), 4u);  // Item 3 went back to its caller, never answered.
}

// A stalled executor must not leave expired callers waiting for it: the Add() that finds the
// queue full answers them, on its own thread, outside the lock, and takes their place.
TEST(MicroBatcherQueueTest, FullQueueDropsItsExpiredFrontOutsideTheLock) {
  BatchRecorder recorder;
  std::vector<std::pair<int, bool>> failed_lock_free;  // Read before the worker may write.
  std::thread::id fail_thread;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher* batcher_ptr = nullptr;
  IntBatcher batcher(executor, BatcherOptions(4, 1, /*max_pending=*/3), recorder.RunBatch(),
                     [&](int& item, const absl::Status& status) {
                       failed_lock_free.emplace_back(item, LockIsFree(*batcher_ptr));
                       fail_thread = std::this_thread::get_id();
                       recorder.Fail()(item, status);
                     });
  batcher_ptr = &batcher;
  const absl::Time past = absl::Now() - absl::Seconds(1);
  ASSERT_THAT(batcher.Add(0, past), IsOk());  // Not full yet: queued, expired.
  ASSERT_THAT(batcher.Add(1, past), IsOk());
  ASSERT_THAT(batcher.Add(2, absl::InfiniteFuture()), IsOk());

  ASSERT_THAT(batcher.Add(3, absl::InfiniteFuture()), IsOk());
  EXPECT_THAT(failed_lock_free, ElementsAre(Pair(0, true), Pair(1, true)));
  EXPECT_EQ(fail_thread, std::this_thread::get_id());
  EXPECT_THAT(recorder.failures(), ElementsAre(Pair(0, absl::StatusCode::kDeadlineExceeded),
                                               Pair(1, absl::StatusCode::kDeadlineExceeded)));
  EXPECT_EQ(batcher.pending(), 2);
  // Only the expired front goes: item 2 is live, so the queue is full again.
  ASSERT_THAT(batcher.Add(4, past), IsOk());
  EXPECT_THAT(batcher.Add(5, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kResourceExhausted));

  blocker.Release();
  ASSERT_TRUE(recorder.WaitForAnswers(5));
  executor.Shutdown();
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(2, 3)));
  EXPECT_EQ(recorder.answers(), 5u);  // 0, 1 and 4 failed, 2 and 3 run; 5 refused.
}

// A batch task meeting a long run of expired items fails them max_batch_size at a time, with
// the lock released, instead of moving them all in one critical section.
TEST(MicroBatcherQueueTest, BatchTaskFailsExpiredItemsFewAtATimeOutsideTheLock) {
  constexpr int kExpired = 10;
  BatchRecorder recorder;
  std::vector<int> pending_seen;  // Only the worker writes, before WaitForAnswers() returns.
  bool always_lock_free = true;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher* batcher_ptr = nullptr;
  IntBatcher batcher(executor, BatcherOptions(2, 1), recorder.RunBatch(),
                     [&](int& item, const absl::Status& status) {
                       always_lock_free = always_lock_free && LockIsFree(*batcher_ptr);
                       pending_seen.push_back(batcher_ptr->pending());
                       recorder.Fail()(item, status);
                     });
  batcher_ptr = &batcher;
  const absl::Time past = absl::Now() - absl::Seconds(1);
  for (int i = 0; i < kExpired; ++i) ASSERT_THAT(batcher.Add(i, past), IsOk());
  ASSERT_THAT(batcher.Add(kExpired, absl::InfiniteFuture()), IsOk());

  blocker.Release();
  ASSERT_TRUE(recorder.WaitForAnswers(kExpired + 1));
  executor.Shutdown();
  EXPECT_TRUE(always_lock_free);
  // Two expired items per critical section: 11 queued, 9 left while the first two are failed.
  EXPECT_THAT(pending_seen, ElementsAre(9, 9, 7, 7, 5, 5, 3, 3, 1, 1));
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(kExpired)));
  EXPECT_EQ(recorder.failures().size(), static_cast<size_t>(kExpired));
}

// Threads add items with mixed deadlines to a small queue served by slow batches: every item
// Add() accepted is answered exactly once, and no refused item is ever answered.
TEST(MicroBatcherQueueTest, CapAndDeadlinesKeepExactlyOnceAnswering) {
  constexpr int kThreads = 4;
  constexpr int kItemsPerThread = 2000;
  constexpr int kItems = kThreads * kItemsPerThread;
  std::vector<std::atomic<int>> answered(kItems);
  std::vector<char> accepted(kItems, 0);
  BoundedExecutor executor(MakeOptions(2, /*max_queue=*/8));
  IntBatcher batcher(
      executor, BatcherOptions(8, 2, /*max_pending=*/16),
      [&](std::vector<int>& items) {
        absl::SleepFor(absl::Microseconds(50));
        for (int item : items) answered[item].fetch_add(1);
      },
      [&](int& item, const absl::Status&) { answered[item].fetch_add(1); });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kItemsPerThread; ++i) {
        const int item = t * kItemsPerThread + i;
        const absl::Time deadline =
            i % 3 == 0 ? absl::Now() - absl::Seconds(1) : absl::Now() + absl::Milliseconds(i % 5);
        accepted[item] = batcher.Add(item, deadline).ok() ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  executor.Shutdown();  // Runs or cancels every task it holds: everything is answered now.
  int accepted_count = 0;
  for (int item = 0; item < kItems; ++item) {
    accepted_count += accepted[item];
    ASSERT_EQ(answered[item].load(), accepted[item]) << "item " << item;
  }
  EXPECT_GT(accepted_count, 0);
  EXPECT_EQ(batcher.pending(), 0);
  EXPECT_EQ(batcher.in_flight(), 0);
}

}  // namespace
}  // namespace auth::executor
