// BoundedExecutor: a fixed pool of worker threads behind a bounded, deadline-aware FIFO queue.
//
// The gRPC callback API must never block its own threads on MySQL or Argon2, so blocking work is
// handed to one of these instead. The bounds are the point: a hashing executor with one worker
// per core caps Argon2's memory (one hash in flight per worker), and a full queue rejects new
// work at once rather than letting latency grow without limit.
//
//   BoundedExecutor::Options options;
//   options.name = "hashing";
//   options.workers = static_cast<int>(std::thread::hardware_concurrency());
//   BoundedExecutor hashing(std::move(options));
//
//   absl::Status queued = hashing.Submit(
//       absl::Now() + absl::Seconds(2), [reactor](absl::Status status) {
//         if (!status.ok()) return reactor->Finish(status);  // expired or cancelled: skip work
//         reactor->Finish(DoTheExpensiveWork());
//       });
//   if (!queued.ok()) reactor->Finish(queued);  // kResourceExhausted or kUnavailable
//
// The contract, which callers rely on to finish every RPC exactly once:
//   * If Submit() returns an error, the task is destroyed without ever being called.
//   * If Submit() returns OK, the task is called EXACTLY ONCE, always on a worker thread (never on
//     the caller's thread, never from Submit() or Shutdown() themselves), with:
//       - OkStatus()         when it starts before its deadline: do the work;
//       - kDeadlineExceeded  when its deadline passed while it waited in the queue;
//       - kCancelled         when Shutdown() found it still in the queue.
//     For the last two the task must only report, not work: that keeps a flood of expired or
//     cancelled tasks cheap to drain.
//   * The task (and whatever it captured) is destroyed on the worker thread right after the call,
//     outside the executor's lock, so a task may Submit() further work.
//
// Tasks must not throw, and must not call Shutdown() or destroy the executor that runs them
// (both wait for the workers, so a worker would wait for itself).
//
// Thread-safe: Submit(), Shutdown(), queued() and workers() may be called from any thread.
//
// Why std::mutex and not absl::Mutex: Debian's libabsl is not built with ThreadSanitizer, so TSan
// cannot see absl::Mutex's synchronisation and reports every access it guards as a race.
// std::mutex and std::condition_variable go through pthreads, which TSan intercepts, so
// `--config=tsan` checks this class for real.
#ifndef LIBS_EXECUTOR_BOUNDED_EXECUTOR_H_
#define LIBS_EXECUTOR_BOUNDED_EXECUTOR_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace auth::executor {

class BoundedExecutor {
 public:
  struct Options {
    // Names the executor in error messages and its threads (for `top -H`, gdb).
    std::string name;
    // Worker threads started by the constructor; values below 1 mean 1.
    int workers = 1;
    // Most tasks that may wait in the queue (tasks already running do not count).
    size_t max_queue = 1024;
  };

  // Starts `options.workers` threads.
  explicit BoundedExecutor(Options options);

  // Shutdown(), then waits for every worker to finish.
  ~BoundedExecutor();

  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `task` to run before `deadline` (absl::InfiniteFuture() for none). Returns OK, or
  // kResourceExhausted at once if `max_queue` tasks already wait, kUnavailable after Shutdown(),
  // kInvalidArgument for an empty `task`. See the contract above for how `task` is called.
  absl::Status Submit(absl::Time deadline, std::function<void(absl::Status)> task);

  // Stops accepting tasks. Tasks still queued are called with kCancelled (on a worker); tasks
  // already running finish. Returns once every worker has exited. Idempotent.
  void Shutdown();

  // Tasks waiting in the queue right now (not the running ones).
  size_t queued() const;

  // Number of worker threads.
  int workers() const { return static_cast<int>(threads_.size()); }

 private:
  struct Item {
    absl::Time deadline;
    std::function<void(absl::Status)> task;
  };

  // Body of every worker thread: runs until shut down and drained.
  void WorkerLoop(int index);

  const std::string name_;
  const size_t max_queue_;

  // Guards queue_ and shutdown_. (No ABSL_GUARDED_BY: libstdc++'s std::mutex is not annotated.)
  mutable std::mutex mu_;
  // Signalled when a task is queued or the executor shuts down.
  std::condition_variable work_or_shutdown_;
  std::deque<Item> queue_;
  bool shutdown_ = false;

  // Serializes joining, so concurrent Shutdown() calls all return only after the workers exit.
  std::mutex join_mu_;
  // Filled by the constructor and never resized, so workers() may read its size without a lock.
  std::vector<std::thread> threads_;
};

}  // namespace auth::executor

#endif  // LIBS_EXECUTOR_BOUNDED_EXECUTOR_H_
