// Tests for MicroBatcher on a real BoundedExecutor: batching of queued items in FIFO order, no
// batching at low load, deadlines, overload (including both races around a refused Submit()),
// shutdown and lifetime. The concurrent stress runs are in micro_batcher_stress_test.cc.
//
// Batching is made deterministic by occupying the executor's only worker (WorkerBlocker) while
// items are added. Time appears only as generous upper bounds on waits and as past deadlines.
#include "libs/executor/micro_batcher.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/executor/bounded_executor.h"
#include "libs/executor/test_helpers.h"
#include "libs/testing/status_matchers.h"

namespace auth::executor {
namespace {

using ::auth::executor_testing::BatcherOptions;
using ::auth::executor_testing::kWait;
using ::auth::executor_testing::MakeOptions;
using ::auth::executor_testing::Notification;
using ::auth::executor_testing::WorkerBlocker;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

using IntBatcher = MicroBatcher<int>;
using Recorder = ::auth::executor_testing::BatchRecorder;

TEST(MicroBatcherTest, ItemsQueuedBehindBusyWorkerRunInFifoBatches) {
  Recorder recorder;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher batcher(executor, BatcherOptions(4, 1), recorder.RunBatch(), recorder.Fail());

  for (int i = 0; i < 10; ++i) ASSERT_THAT(batcher.Add(i, absl::InfiniteFuture()), IsOk());
  EXPECT_EQ(batcher.pending(), 10);
  EXPECT_EQ(batcher.in_flight(), 1);  // One task for all ten: max_in_flight is 1.
  EXPECT_EQ(executor.queued(), 1u);

  blocker.Release();
  ASSERT_TRUE(recorder.WaitForAnswers(10));
  EXPECT_THAT(recorder.batches(),
              ElementsAre(ElementsAre(0, 1, 2, 3), ElementsAre(4, 5, 6, 7), ElementsAre(8, 9)));
  EXPECT_TRUE(recorder.failures().empty());
  executor.Shutdown();
  EXPECT_EQ(recorder.answers(), 10u);
  EXPECT_EQ(batcher.pending(), 0);
  EXPECT_EQ(batcher.in_flight(), 0);
}

// A batch task runs one batch, then queues its successor behind work submitted meanwhile: a
// stream of batches cannot starve the executor's other tasks.
TEST(MicroBatcherTest, BatchesTakeTurnsWithOtherWorkOnTheExecutor) {
  std::mutex mu;
  std::vector<std::string> order;  // Guarded by mu.
  Recorder recorder;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher batcher(
      executor, BatcherOptions(2, 1),
      [&](std::vector<int>& items) {
        {
          std::lock_guard<std::mutex> lock(mu);
          order.push_back("batch");
        }
        recorder.RunBatch()(items);
      },
      recorder.Fail());
  for (int i = 0; i < 6; ++i) ASSERT_THAT(batcher.Add(i, absl::InfiniteFuture()), IsOk());
  ASSERT_THAT(executor.Submit(absl::InfiniteFuture(),
                              [&](absl::Status) {
                                std::lock_guard<std::mutex> lock(mu);
                                order.push_back("other");
                              }),
              IsOk());
  blocker.Release();
  ASSERT_TRUE(recorder.WaitForAnswers(6));
  executor.Shutdown();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(order, ElementsAre("batch", "other", "batch", "batch"));
  EXPECT_THAT(recorder.batches(),
              ElementsAre(ElementsAre(0, 1), ElementsAre(2, 3), ElementsAre(4, 5)));
}

TEST(MicroBatcherTest, NeverSubmitsMoreThanMaxInFlightTasks) {
  Recorder recorder;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher batcher(executor, BatcherOptions(32, 2), recorder.RunBatch(), recorder.Fail());

  for (int i = 0; i < 5; ++i) ASSERT_THAT(batcher.Add(i, absl::InfiniteFuture()), IsOk());
  EXPECT_EQ(batcher.in_flight(), 2);
  EXPECT_EQ(executor.queued(), 2u);

  blocker.Release();
  ASSERT_TRUE(recorder.WaitForAnswers(5));
  executor.Shutdown();
  // The first task takes all five; the second finds nothing and does not call run_batch.
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(0, 1, 2, 3, 4)));
  EXPECT_EQ(batcher.in_flight(), 0);
}

TEST(MicroBatcherTest, AtLowLoadEveryBatchHasOneItem) {
  Recorder recorder;
  BoundedExecutor executor(MakeOptions(2));
  IntBatcher batcher(executor, BatcherOptions(32, 4), recorder.RunBatch(), recorder.Fail());

  constexpr int kItems = 50;
  for (int i = 0; i < kItems; ++i) {
    ASSERT_THAT(batcher.Add(i, absl::InfiniteFuture()), IsOk());
    ASSERT_TRUE(recorder.WaitForAnswers(i + 1));  // Waits for this item, alone, to be answered.
  }
  executor.Shutdown();
  const std::vector<std::vector<int>> batches = recorder.batches();
  ASSERT_EQ(batches.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) EXPECT_THAT(batches[i], ElementsAre(i));
}

TEST(MicroBatcherTest, ExpiredItemsFailWithDeadlineExceededAndNeverRun) {
  Recorder recorder;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher batcher(executor, BatcherOptions(3, 1), recorder.RunBatch(), recorder.Fail());

  // Even items have already expired; they must not take places in a batch either.
  const absl::Time past = absl::Now() - absl::Seconds(1);
  const absl::Time future = absl::Now() + absl::Hours(1);
  for (int i = 0; i < 10; ++i) ASSERT_THAT(batcher.Add(i, i % 2 == 0 ? past : future), IsOk());

  blocker.Release();
  ASSERT_TRUE(recorder.WaitForAnswers(10));
  executor.Shutdown();
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(1, 3, 5), ElementsAre(7, 9)));
  const auto deadline_exceeded = absl::StatusCode::kDeadlineExceeded;
  EXPECT_THAT(recorder.failures(),
              ElementsAre(Pair(0, deadline_exceeded), Pair(2, deadline_exceeded),
                          Pair(4, deadline_exceeded), Pair(6, deadline_exceeded),
                          Pair(8, deadline_exceeded)));
}

TEST(MicroBatcherTest, FullExecutorQueueRejectsItemAndNeverAnswersIt) {
  Recorder recorder;
  BoundedExecutor executor(MakeOptions(1, /*max_queue=*/1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  Notification filler_ran;
  ASSERT_THAT(
      executor.Submit(absl::InfiniteFuture(), [&filler_ran](absl::Status) { filler_ran.Notify(); }),
      IsOk());
  IntBatcher batcher(executor, BatcherOptions(32, 1), recorder.RunBatch(), recorder.Fail());

  EXPECT_THAT(batcher.Add(7, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(batcher.pending(), 0);
  EXPECT_EQ(batcher.in_flight(), 0);

  // Once there is room again, the batcher works normally.
  blocker.Release();
  ASSERT_TRUE(filler_ran.WaitForNotificationWithTimeout(kWait));  // The queue is empty now.
  ASSERT_THAT(batcher.Add(8, absl::InfiniteFuture()), IsOk());
  ASSERT_TRUE(recorder.WaitForAnswers(1));
  executor.Shutdown();
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(8)));
  EXPECT_TRUE(recorder.failures().empty());
}

// Add(1) reserves the only batch slot; before its Submit() is refused, Add(2) queues behind that
// reservation. Giving the slot back leaves no task for item 2, so it is failed, not stranded.
TEST(MicroBatcherTest, RefusedSubmitFailsItemsThatCountedOnIt) {
  Recorder recorder;
  BoundedExecutor executor(MakeOptions(1, /*max_queue=*/1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  ASSERT_THAT(executor.Submit(absl::InfiniteFuture(), [](absl::Status) {}), IsOk());
  IntBatcher batcher(executor, BatcherOptions(32, 1), recorder.RunBatch(), recorder.Fail());
  absl::Status second_added = absl::UnknownError("not called");
  batcher.SetBeforeSubmitForTest([&] {
    EXPECT_EQ(batcher.in_flight(), 1);
    second_added = batcher.Add(2, absl::InfiniteFuture());  // Needs no task: no recursion.
  });

  EXPECT_THAT(batcher.Add(1, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(second_added, IsOk());
  // Answered inside Add(1), on this thread, since no task exists to answer it.
  EXPECT_THAT(recorder.failures(), ElementsAre(Pair(2, absl::StatusCode::kResourceExhausted)));
  EXPECT_EQ(batcher.pending(), 0);
  EXPECT_EQ(batcher.in_flight(), 0);
  blocker.Release();
  executor.Shutdown();
  EXPECT_EQ(recorder.answers(), 1u);  // Item 1 was handed back to the caller, never answered.
}

// A running task takes item 7 before the Submit() reserved for it is refused: Add() must return
// OK, because the item will be (here: was) answered.
TEST(MicroBatcherTest, RefusedSubmitReturnsOkWhenARunningTaskTookTheItem) {
  Recorder recorder;
  Notification first_batch_started;
  Notification release_first_batch;
  BoundedExecutor executor(MakeOptions(2, /*max_queue=*/1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher batcher(
      executor, BatcherOptions(32, 2),
      [&](std::vector<int>& items) {
        if (items.front() == 0) {
          first_batch_started.Notify();
          release_first_batch.WaitForNotification();
        }
        recorder.RunBatch()(items);
      },
      recorder.Fail());
  ASSERT_THAT(batcher.Add(0, absl::InfiniteFuture()), IsOk());
  ASSERT_TRUE(first_batch_started.WaitForNotificationWithTimeout(kWait));
  ASSERT_THAT(executor.Submit(absl::InfiniteFuture(), [](absl::Status) {}), IsOk());  // Full.
  batcher.SetBeforeSubmitForTest([&] {
    release_first_batch.Notify();  // The running task loops and takes item 7.
    ASSERT_TRUE(recorder.WaitForAnswers(2));
  });

  EXPECT_THAT(batcher.Add(7, absl::InfiniteFuture()), IsOk());
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(0), ElementsAre(7)));
  blocker.Release();
  executor.Shutdown();
  EXPECT_EQ(recorder.answers(), 2u);
  EXPECT_TRUE(recorder.failures().empty());
}

TEST(MicroBatcherTest, ShutdownFailsEveryPendingItemOnceAndThenRejects) {
  constexpr int kMaxInFlight = 2;
  Recorder recorder;
  // The queue holds exactly the batch tasks, so probes below are rejected until Shutdown().
  BoundedExecutor executor(MakeOptions(1, /*max_queue=*/kMaxInFlight));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher batcher(executor, BatcherOptions(32, kMaxInFlight), recorder.RunBatch(),
                     recorder.Fail());
  for (int i = 0; i < 5; ++i) ASSERT_THAT(batcher.Add(i, absl::InfiniteFuture()), IsOk());
  ASSERT_EQ(executor.queued(), static_cast<size_t>(kMaxInFlight));

  std::thread shutdown_thread([&] { executor.Shutdown(); });
  // kResourceExhausted until Shutdown() has begun, then kUnavailable; only then free the worker,
  // so the queued batch tasks are cancelled rather than run.
  const absl::Time give_up = absl::Now() + kWait;
  absl::Status probe;
  do {
    probe = executor.Submit(absl::InfiniteFuture(), [](absl::Status) {});
    if (probe.code() == absl::StatusCode::kResourceExhausted) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  } while (probe.code() == absl::StatusCode::kResourceExhausted && absl::Now() < give_up);
  ASSERT_THAT(probe, StatusIs(absl::StatusCode::kUnavailable));
  blocker.Release();
  shutdown_thread.join();

  EXPECT_TRUE(recorder.batches().empty());
  std::vector<std::pair<int, absl::StatusCode>> failures = recorder.failures();
  std::sort(failures.begin(), failures.end());
  const auto cancelled = absl::StatusCode::kCancelled;
  EXPECT_THAT(failures, ElementsAre(Pair(0, cancelled), Pair(1, cancelled), Pair(2, cancelled),
                                    Pair(3, cancelled), Pair(4, cancelled)));
  EXPECT_EQ(batcher.pending(), 0);
  EXPECT_EQ(batcher.in_flight(), 0);

  EXPECT_THAT(batcher.Add(99, absl::InfiniteFuture()), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(recorder.answers(), 5u);
}

TEST(MicroBatcherTest, TasksOutliveADestroyedBatcherAndStillAnswerItsItems) {
  Recorder recorder;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  {
    IntBatcher batcher(executor, BatcherOptions(2, 1), recorder.RunBatch(), recorder.Fail());
    for (int i = 0; i < 3; ++i) ASSERT_THAT(batcher.Add(i, absl::InfiniteFuture()), IsOk());
  }
  blocker.Release();
  ASSERT_TRUE(recorder.WaitForAnswers(3));
  executor.Shutdown();
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(0, 1), ElementsAre(2)));
}

TEST(MicroBatcherTest, OptionsBelowOneMeanOne) {
  Recorder recorder;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  IntBatcher batcher(executor, BatcherOptions(0, 0), recorder.RunBatch(), recorder.Fail());
  for (int i = 0; i < 3; ++i) ASSERT_THAT(batcher.Add(i, absl::InfiniteFuture()), IsOk());
  EXPECT_EQ(batcher.in_flight(), 1);
  blocker.Release();
  ASSERT_TRUE(recorder.WaitForAnswers(3));
  executor.Shutdown();
  EXPECT_THAT(recorder.batches(), ElementsAre(ElementsAre(0), ElementsAre(1), ElementsAre(2)));
}

}  // namespace
}  // namespace auth::executor
