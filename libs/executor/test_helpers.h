// Helpers for the BoundedExecutor and MicroBatcher tests: a ThreadSanitizer-visible
// Notification, a task that occupies a worker on demand, and a log of the calls tasks receive.
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

namespace auth::executor::testing {

// Upper bound on any wait; reached only when the executor is broken.
inline constexpr absl::Duration kWait = absl::Seconds(30);

inline BoundedExecutor::Options MakeOptions(int workers, size_t max_queue = 1024) {
  BoundedExecutor::Options options;
  options.name = "test";
  options.workers = workers;
  options.max_queue = max_queue;
  return options;
}

// Options of the MicroBatcher<int> the batcher tests use.
inline MicroBatcher<int>::Options BatcherOptions(int max_batch_size, int max_in_flight) {
  MicroBatcher<int>::Options options;
  options.name = "test";
  options.max_batch_size = max_batch_size;
  options.max_in_flight = max_in_flight;
  return options;
}

// A one-shot event, like absl::Notification but visible to ThreadSanitizer (see above).
class Notification {
 public:
  void Notify() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      notified_ = true;
    }
    cv_.notify_all();
  }
  bool HasBeenNotified() const {
    std::lock_guard<std::mutex> lock(mu_);
    return notified_;
  }
  void WaitForNotification() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return notified_; });
  }
  // False if `timeout` passed first.
  bool WaitForNotificationWithTimeout(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [this] { return notified_; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

// Occupies one worker until Release(). Declare it after the executor: its destructor releases
// the worker, so a failing assertion cannot leave the executor's destructor waiting forever.
class WorkerBlocker {
 public:
  explicit WorkerBlocker(BoundedExecutor& executor) : state_(std::make_shared<State>()) {
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
}  // namespace auth::executor::testing

#endif  // LIBS_EXECUTOR_TEST_HELPERS_H_
