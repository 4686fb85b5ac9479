// Helpers for the BoundedExecutor and MicroBatcher tests: a task that occupies a worker on
// demand, a log of the calls tasks receive, and a recorder of a MicroBatcher<int>'s batches and
// failures.
//
// They synchronise through std::mutex, not absl::Mutex/absl::Notification: Debian's libabsl is
// not built with ThreadSanitizer, which then cannot see absl's synchronisation and would report
// false races under --config=tsan.
#ifndef LIBS_EXECUTOR_TEST_HELPERS_H_
#define LIBS_EXECUTOR_TEST_HELPERS_H_

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/executor/bounded_executor.h"
#include "libs/executor/micro_batcher.h"
#include "libs/testing/notification.h"

namespace auth::executor_testing {

// Upper bound on any wait; reached only when the executor is broken.
inline constexpr absl::Duration kWait = absl::Seconds(30);

inline executor::BoundedExecutor::Options MakeOptions(int workers, size_t max_queue = 1024) {
  executor::BoundedExecutor::Options options;
  options.name = "test";
  options.workers = workers;
  options.max_queue = max_queue;
  return options;
}

// Options of the MicroBatcher<int> the batcher tests use.
inline executor::MicroBatcher<int>::Options BatcherOptions(int max_batch_size, int max_in_flight,
                                                           int max_pending = 4096) {
  executor::MicroBatcher<int>::Options options;
  options.name = "test";
  options.max_batch_size = max_batch_size;
  options.max_in_flight = max_in_flight;
  options.max_pending = max_pending;
  return options;
}

// The one Notification of the tests (libs/testing), visible to ThreadSanitizer.
using ::auth::test_util::Notification;

// Occupies one worker until Release(). Declare it after the executor: its destructor releases
// the worker, so a failing assertion cannot leave the executor's destructor waiting forever.
class WorkerBlocker {
 public:
  explicit WorkerBlocker(executor::BoundedExecutor& executor) : state_(std::make_shared<State>()) {
    submitted_ = executor.Submit(absl::InfiniteFuture(), [state = state_](absl::Status status) {
      state->status = status;
      state->running.Notify();
      state->release.WaitForNotification();
    });
  }
  ~WorkerBlocker() { Release(); }

  // True once the blocking task runs on a worker (so it no longer counts as queued).
  bool WaitUntilRunning() const {
    return submitted_.ok() && state_->running.WaitForNotificationWithTimeout(kWait);
  }
  void Release() {
    if (!state_->release.HasBeenNotified()) state_->release.Notify();
  }
  // The status the blocking task was called with; valid after WaitUntilRunning().
  absl::Status status() const { return state_->status; }

 private:
  // Shared with the task, which may outlive this object.
  struct State {
    Notification running;
    Notification release;
    absl::Status status;
  };
  std::shared_ptr<State> state_;
  absl::Status submitted_;
};

// Records every call a task receives, so tests can check "exactly once" and the status.
class CallLog {
 public:
  std::function<void(absl::Status)> Task(int id) {
    return [this, id](absl::Status status) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        calls_.push_back({id, std::move(status)});
        threads_.push_back(std::this_thread::get_id());
      }
      cv_.notify_all();
    };
  }
  // False if fewer than `n` calls arrived within kWait.
  bool WaitForCalls(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(kWait),
                        [this, n] { return calls_.size() >= n; });
  }
  std::vector<int> ids() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<int> ids;
    for (const auto& call : calls_) ids.push_back(call.first);
    return ids;
  }
  std::vector<absl::Status> statuses() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<absl::Status> statuses;
    for (const auto& call : calls_) statuses.push_back(call.second);
    return statuses;
  }
  std::vector<std::thread::id> threads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return threads_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<int, absl::Status>> calls_;  // Guarded by mu_.
  std::vector<std::thread::id> threads_;             // Guarded by mu_.
};

// Records every batch and every failure. Declare it before the executor: tasks call into it
// until the executor is shut down.
class BatchRecorder {
 public:
  executor::MicroBatcher<int>::RunBatch RunBatch() {
    return [this](std::vector<int>& items) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        batches_.push_back(items);
        answers_ += items.size();
      }
      cv_.notify_all();
    };
  }
  executor::MicroBatcher<int>::Fail Fail() {
    return [this](int& item, const absl::Status& status) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        failures_.emplace_back(item, status.code());
        ++answers_;
      }
      cv_.notify_all();
    };
  }
  // False if fewer than `n` items were answered within kWait.
  bool WaitForAnswers(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(kWait),
                        [this, n] { return answers_ >= n; });
  }
  std::vector<std::vector<int>> batches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  std::vector<std::pair<int, absl::StatusCode>> failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  size_t answers() const {
    std::lock_guard<std::mutex> lock(mu_);
    return answers_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<int>> batches_;                   // Guarded by mu_.
  std::vector<std::pair<int, absl::StatusCode>> failures_;  // Guarded by mu_.
  size_t answers_ = 0;                                      // Guarded by mu_.
};

}  // namespace auth::executor_testing

#endif  // LIBS_EXECUTOR_TEST_HELPERS_H_
