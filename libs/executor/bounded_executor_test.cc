// Tests for BoundedExecutor: the exactly-once contract under every outcome, ordering, bounds,
// deadlines, parallelism and shutdown. No test depends on timing: threads are coordinated with
// notifications, and time appears only as generous upper bounds on waits (so a broken executor
// fails instead of hanging) and as deadlines that have passed.
//
// Threads meet through test_helpers.h's Notification, which TSan can see (absl's cannot here).
#include "libs/executor/bounded_executor.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/executor/test_helpers.h"
#include "libs/testing/status_matchers.h"

namespace auth::executor {
namespace {

using ::auth::executor_testing::CallLog;
using ::auth::executor_testing::kWait;
using ::auth::executor_testing::MakeOptions;
using ::auth::executor_testing::Notification;
using ::auth::executor_testing::WorkerBlocker;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::Eq;

TEST(BoundedExecutorTest, RunsTaskOnWorkerThreadWithOkStatus) {
  CallLog log;
  BoundedExecutor executor(MakeOptions(2));
  EXPECT_EQ(executor.workers(), 2);

  ASSERT_THAT(executor.Submit(absl::InfiniteFuture(), log.Task(1)), IsOk());
  ASSERT_THAT(executor.Submit(absl::Now() + absl::Hours(1), log.Task(2)), IsOk());
  ASSERT_TRUE(log.WaitForCalls(2));

  for (const absl::Status& status : log.statuses()) EXPECT_THAT(status, IsOk());
  for (std::thread::id id : log.threads()) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(BoundedExecutorTest, FewerThanOneWorkerMeansOne) {
  CallLog log;
  BoundedExecutor executor(MakeOptions(0));
  EXPECT_EQ(executor.workers(), 1);
  ASSERT_THAT(executor.Submit(absl::InfiniteFuture(), log.Task(1)), IsOk());
  EXPECT_TRUE(log.WaitForCalls(1));
}

TEST(BoundedExecutorTest, RejectsEmptyTask) {
  BoundedExecutor executor(MakeOptions(1));
  EXPECT_THAT(executor.Submit(absl::InfiniteFuture(), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(executor.queued(), 0u);
}

TEST(BoundedExecutorTest, RunsInFifoOrderWithOneWorker) {
  CallLog log;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());

  // Everything queues up behind the blocker, then drains in submission order.
  constexpr int kTasks = 100;
  std::vector<int> expected;
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_THAT(executor.Submit(absl::InfiniteFuture(), log.Task(i)), IsOk());
    expected.push_back(i);
  }
  EXPECT_EQ(executor.queued(), static_cast<size_t>(kTasks));
  blocker.Release();

  ASSERT_TRUE(log.WaitForCalls(kTasks));
  EXPECT_EQ(log.ids(), expected);
  EXPECT_EQ(executor.queued(), 0u);
}

TEST(BoundedExecutorTest, RejectsWhenQueueIsFullAndNeverCallsTheRejectedTask) {
  CallLog log;
  BoundedExecutor executor(MakeOptions(1, /*max_queue=*/3));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());

  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(executor.Submit(absl::InfiniteFuture(), log.Task(i)), IsOk());
  }
  EXPECT_EQ(executor.queued(), 3u);

  // The rejected task is dropped at once: destroyed (its capture released), never called.
  auto captured = std::make_shared<int>(0);
  std::atomic<int> rejected_calls{0};
  absl::Status rejected = executor.Submit(
      absl::InfiniteFuture(), [captured, &rejected_calls](absl::Status) { ++rejected_calls; });
  EXPECT_THAT(rejected, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(captured.use_count(), 1);
  EXPECT_EQ(executor.queued(), 3u);

  blocker.Release();
  ASSERT_TRUE(log.WaitForCalls(3));
  EXPECT_THAT(log.ids(), ElementsAre(0, 1, 2));

  // Room again once the queue drains.
  ASSERT_THAT(executor.Submit(absl::InfiniteFuture(), log.Task(3)), IsOk());
  ASSERT_TRUE(log.WaitForCalls(4));
  EXPECT_EQ(rejected_calls.load(), 0);
  EXPECT_EQ(log.ids().size(), 4u);
}

TEST(BoundedExecutorTest, DeadlinePassedWhileQueuedReportsDeadlineExceededWithoutWork) {
  std::atomic<int> work_done{0};
  CallLog log;
  BoundedExecutor executor(MakeOptions(1));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());

  // A task that does its work only when told OK, as the contract asks.
  auto task = [&work_done, &log](int id) {
    return [&work_done, report = log.Task(id)](absl::Status status) {
      if (status.ok()) ++work_done;
      report(status);
    };
  };
  const absl::Time soon = absl::Now() + absl::Milliseconds(20);
  ASSERT_THAT(executor.Submit(soon, task(0)), IsOk());
  ASSERT_THAT(executor.Submit(absl::InfinitePast(), task(1)), IsOk());
  ASSERT_THAT(executor.Submit(absl::InfiniteFuture(), task(2)), IsOk());
  ASSERT_THAT(executor.Submit(absl::Now() + absl::Hours(1), task(3)), IsOk());
  // Keep the worker busy until `soon` is behind us, so task 0 expires while it waits.
  while (absl::Now() <= soon) absl::SleepFor(absl::Milliseconds(5));
  blocker.Release();

  ASSERT_TRUE(log.WaitForCalls(4));
  EXPECT_THAT(log.ids(), ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(log.statuses(),
              ElementsAre(StatusIs(absl::StatusCode::kDeadlineExceeded),
                          StatusIs(absl::StatusCode::kDeadlineExceeded), IsOk(), IsOk()));
  EXPECT_EQ(work_done.load(), 2);
}

TEST(BoundedExecutorTest, FloodOfExpiredTasksDrainsWithoutWork) {
  constexpr int kTasks = 10000;
  std::atomic<int> expired{0};
  std::atomic<int> worked{0};
  Notification all_done;
  BoundedExecutor executor(MakeOptions(1, kTasks));
  WorkerBlocker blocker(executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());

  for (int i = 0; i < kTasks; ++i) {
    ASSERT_THAT(executor.Submit(absl::InfinitePast(),
                                [&](absl::Status status) {
                                  if (status.ok()) {
                                    ++worked;
                                    absl::SleepFor(absl::Seconds(1));  // "Expensive" work.
                                  } else if (status.code() == absl::StatusCode::kDeadlineExceeded) {
                                    ++expired;
                                  }
                                  if (expired.load() + worked.load() == kTasks) all_done.Notify();
                                }),
                IsOk());
  }
  blocker.Release();

  ASSERT_TRUE(all_done.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(expired.load(), kTasks);
  EXPECT_EQ(worked.load(), 0);
}

TEST(BoundedExecutorTest, NWorkersRunNTasksAtOnce) {
  constexpr int kWorkers = 4;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  std::atomic<int> saw_all_arrive{0};
  Notification done;
  BoundedExecutor executor(MakeOptions(kWorkers));

  // Each task waits until all kWorkers tasks run at the same time: with fewer parallel
  // workers the wait times out and the count falls short.
  for (int i = 0; i < kWorkers; ++i) {
    ASSERT_THAT(executor.Submit(absl::InfiniteFuture(),
                                [&](absl::Status) {
                                  std::unique_lock<std::mutex> lock(mu);
                                  ++arrived;
                                  cv.notify_all();
                                  if (cv.wait_for(lock, absl::ToChronoMilliseconds(kWait),
                                                  [&] { return arrived == kWorkers; })) {
                                    if (++saw_all_arrive == kWorkers) done.Notify();
                                  }
                                }),
                IsOk());
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  EXPECT_EQ(saw_all_arrive.load(), kWorkers);
}

TEST(BoundedExecutorTest, TaskMaySubmitMoreWork) {
  CallLog log;
  BoundedExecutor executor(MakeOptions(1));
  ASSERT_THAT(executor.Submit(absl::InfiniteFuture(),
                              [&executor, &log](absl::Status) {
                                // Would deadlock if tasks ran under the executor's lock.
                                EXPECT_THAT(executor.Submit(absl::InfiniteFuture(), log.Task(1)),
                                            IsOk());
                              }),
              IsOk());
  EXPECT_TRUE(log.WaitForCalls(1));
}

TEST(BoundedExecutorTest, ShutdownCancelsQueuedTasksWaitsForRunningAndRejectsNewOnes) {
  constexpr int kQueued = 5;
  CallLog log;
  std::atomic<bool> running_task_finished{false};
  std::atomic<bool> finished_before_shutdown_returned{false};
  Notification release_running;
  Notification running;
  BoundedExecutor executor(MakeOptions(1, kQueued));

  ASSERT_THAT(executor.Submit(absl::InfiniteFuture(),
                              [&](absl::Status status) {
                                EXPECT_THAT(status, IsOk());
                                running.Notify();
                                release_running.WaitForNotification();
                                running_task_finished = true;
                              }),
              IsOk());
  ASSERT_TRUE(running.WaitForNotificationWithTimeout(kWait));
  for (int i = 0; i < kQueued; ++i) {
    ASSERT_THAT(executor.Submit(absl::InfiniteFuture(), log.Task(i)), IsOk());
  }

  std::thread::id shutdown_thread_id;
  std::thread shutdown_thread([&] {
    shutdown_thread_id = std::this_thread::get_id();
    executor.Shutdown();
    finished_before_shutdown_returned = running_task_finished.load();
  });

  // The queue is full, so Submit() answers kResourceExhausted (and drops the probe) until
  // Shutdown() has begun, then kUnavailable. Only then let the running task finish.
  const absl::Time give_up = absl::Now() + kWait;
  absl::Status probe;
  do {
    probe = executor.Submit(absl::InfiniteFuture(), log.Task(-1));
    if (probe.code() == absl::StatusCode::kResourceExhausted) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  } while (probe.code() == absl::StatusCode::kResourceExhausted && absl::Now() < give_up);
  EXPECT_THAT(probe, StatusIs(absl::StatusCode::kUnavailable));
  release_running.Notify();
  shutdown_thread.join();

  EXPECT_TRUE(finished_before_shutdown_returned.load());
  EXPECT_EQ(executor.queued(), 0u);
  EXPECT_THAT(log.ids(), ElementsAre(0, 1, 2, 3, 4));
  for (const absl::Status& status : log.statuses()) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kCancelled));
  }
  // Cancelled tasks are reported on a worker, not on the thread that shut down.
  for (std::thread::id id : log.threads()) {
    EXPECT_NE(id, shutdown_thread_id);
    EXPECT_NE(id, std::this_thread::get_id());
  }
  EXPECT_THAT(executor.Submit(absl::InfiniteFuture(), log.Task(99)),
              StatusIs(absl::StatusCode::kUnavailable));
  executor.Shutdown();  // Idempotent.
  EXPECT_EQ(log.ids().size(), static_cast<size_t>(kQueued));
}

TEST(BoundedExecutorTest, DestructorWithPendingTasksCallsEachOnceAndReturns) {
  constexpr int kQueued = 50;
  CallLog log;
  Notification destroyed;
  auto executor = std::make_unique<BoundedExecutor>(MakeOptions(1));
  WorkerBlocker blocker(*executor);
  ASSERT_TRUE(blocker.WaitUntilRunning());
  for (int i = 0; i < kQueued; ++i) {
    ASSERT_THAT(executor->Submit(absl::InfiniteFuture(), log.Task(i)), IsOk());
  }

  std::thread destroyer([&] {
    executor.reset();
    destroyed.Notify();
  });
  // Whether the destructor or the worker gets there first, every task is called exactly once:
  // run (OK) if it was dequeued before shutdown, cancelled otherwise.
  blocker.Release();
  ASSERT_TRUE(destroyed.WaitForNotificationWithTimeout(kWait));
  destroyer.join();

  EXPECT_THAT(blocker.status(), IsOk());
  std::vector<int> expected;
  for (int i = 0; i < kQueued; ++i) expected.push_back(i);
  EXPECT_EQ(log.ids(), expected);
  for (const absl::Status& status : log.statuses()) {
    EXPECT_THAT(status, AnyOf(IsOk(), StatusIs(absl::StatusCode::kCancelled)));
  }
}

TEST(BoundedExecutorTest, StressEveryAcceptedTaskIsCalledExactlyOnce) {
  constexpr int kProducers = 8;
  constexpr int kTasksPerProducer = 1000;
  constexpr int kTasks = kProducers * kTasksPerProducer;
  std::vector<std::atomic<int>> calls(kTasks);
  std::vector<std::atomic<int>> codes(kTasks);
  // Each producer writes only its own slice (char, not bool: vector<bool> packs bits).
  std::vector<char> accepted(kTasks, 0);
  std::atomic<int> unexpected_rejections{0};
  {
    // A small queue so the run exercises rejection as well as every outcome.
    BoundedExecutor executor(MakeOptions(3, /*max_queue=*/64));
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p) {
      producers.emplace_back([&, p] {
        for (int i = 0; i < kTasksPerProducer; ++i) {
          const int id = p * kTasksPerProducer + i;
          // Every third task has a deadline that has already passed.
          const absl::Time deadline = id % 3 == 0 ? absl::InfinitePast() : absl::InfiniteFuture();
          absl::Status status = executor.Submit(deadline, [&calls, &codes, id](absl::Status s) {
            codes[id] = static_cast<int>(s.code());
            ++calls[id];
          });
          accepted[id] = status.ok();
          if (!status.ok() && status.code() != absl::StatusCode::kResourceExhausted) {
            ++unexpected_rejections;
          }
        }
      });
    }
    for (std::thread& producer : producers) producer.join();
  }  // The destructor runs or cancels whatever is still queued.

  EXPECT_EQ(unexpected_rejections.load(), 0);
  int accepted_count = 0;
  for (int id = 0; id < kTasks; ++id) {
    if (!accepted[id]) {
      EXPECT_EQ(calls[id].load(), 0) << "rejected task " << id << " was called";
      continue;
    }
    ++accepted_count;
    ASSERT_EQ(calls[id].load(), 1) << "accepted task " << id;
    const auto code = static_cast<absl::StatusCode>(codes[id].load());
    if (id % 3 == 0) {
      EXPECT_THAT(code,
                  AnyOf(Eq(absl::StatusCode::kDeadlineExceeded), Eq(absl::StatusCode::kCancelled)))
          << "task " << id;
    } else {
      EXPECT_THAT(code, AnyOf(Eq(absl::StatusCode::kOk), Eq(absl::StatusCode::kCancelled)))
          << "task " << id;
    }
  }
  EXPECT_GT(accepted_count, 0);
}

}  // namespace
}  // namespace auth::executor
