// BoundedExecutor: worker threads draining a mutex-guarded FIFO. See the header for the contract.
#include "libs/executor/bounded_executor.h"

#include <pthread.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace auth::executor {
namespace {

// Linux thread names hold 15 characters; keep the worker index, shorten the executor name.
void NameCurrentThread(const std::string& executor_name, int index) {
  constexpr size_t kMaxThreadName = 15;
  const std::string suffix = absl::StrCat("-", index);  // At most 11 characters.
  const std::string name =
      absl::StrCat(executor_name.substr(0, kMaxThreadName - suffix.size()), suffix);
  // Best effort: a thread name only helps debugging, so a failure is not worth reporting.
  pthread_setname_np(pthread_self(), name.c_str());
}

}  // namespace

BoundedExecutor::BoundedExecutor(Options options)
    : name_(std::move(options.name)), max_queue_(options.max_queue) {
  const int workers = std::max(1, options.workers);
  threads_.reserve(workers);
  for (int i = 0; i < workers; ++i) {
    threads_.emplace_back([this, i] { WorkerLoop(i); });
  }
}

BoundedExecutor::~BoundedExecutor() { Shutdown(); }

absl::Status BoundedExecutor::Submit(absl::Time deadline, std::function<void(absl::Status)> task) {
  if (!task) {
    return absl::InvalidArgumentError(absl::StrCat("executor ", name_, ": empty task"));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_) {
      return absl::UnavailableError(absl::StrCat("executor ", name_, " is shut down"));
    }
    if (queue_.size() >= max_queue_) {
      // `task` is destroyed on return, never called: the caller reports the overload itself.
      return absl::ResourceExhaustedError(
          absl::StrCat("executor ", name_, " is overloaded: ", queue_.size(), " tasks queued"));
    }
    queue_.push_back(Item{deadline, std::move(task)});
  }
  // One task, one worker. Notified after unlocking so the woken worker does not block on mu_.
  work_or_shutdown_.notify_one();
  return absl::OkStatus();
}

void BoundedExecutor::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  work_or_shutdown_.notify_all();
  // The workers drain what is left in the queue (with kCancelled) and then exit. Holding join_mu_
  // makes a concurrent second Shutdown() wait here instead of returning while workers still run.
  std::lock_guard<std::mutex> lock(join_mu_);
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

size_t BoundedExecutor::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void BoundedExecutor::WorkerLoop(int index) {
  NameCurrentThread(name_, index);
  while (true) {
    Item item;
    bool cancelled;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_or_shutdown_.wait(lock, [this] { return !queue_.empty() || shutdown_; });
      if (queue_.empty()) return;  // Shut down and fully drained.
      item = std::move(queue_.front());
      queue_.pop_front();
      cancelled = shutdown_;
    }
    // Called outside the lock: the task may block for long, or Submit() more work.
    absl::Status status;
    if (cancelled) {
      status = absl::CancelledError(absl::StrCat("executor ", name_, " is shutting down"));
    } else if (item.deadline != absl::InfiniteFuture() && absl::Now() >= item.deadline) {
      status = absl::DeadlineExceededError(
          absl::StrCat("deadline passed while queued in executor ", name_));
    }
    item.task(std::move(status));
    // `item` (and what the task captured) is destroyed here, still outside the lock.
  }
}

}  // namespace auth::executor
