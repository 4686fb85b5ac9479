// MicroBatcher: lets many concurrent calls share one round trip (batched reads, group commit) by
// running the items that queue up behind a BoundedExecutor as one batch.
//
// ValidateToken does one point SELECT per call and Logout one small transaction per call; with
// many calls in flight the executor's workers are the bottleneck. Here calls that arrive while
// the workers are busy are answered together, by one `SELECT ... WHERE jti IN (...)` or one
// transaction. There is no timer: at low load an item is taken by a batch task as soon as a worker
// is free, alone, with no added latency. Batches grow only because work queues up.
//
//   MicroBatcher<Lookup>::Options options;
//   options.name = "validate";
//   MicroBatcher<Lookup> batcher(
//       database_executor, std::move(options),
//       [&](std::vector<Lookup>& lookups) { AnswerAll(lookups, repository.FindMany(lookups)); },
//       [](Lookup& lookup, const absl::Status& status) { lookup.reactor->Finish(status); });
//
//   absl::Status queued = batcher.Add(Lookup{jti, reactor}, call_deadline);
//   if (!queued.ok()) reactor->Finish(queued);  // Not kept: the caller answers it itself.
//
// The contract (every item Add() accepts is answered exactly once):
//   * run_batch(items) is called on an executor worker with 1..max_batch_size items, in the FIFO
//     order they were added, whose deadlines had not passed when the batch was taken. It must do
//     the work for, and answer, every item in the vector.
//   * fail(item, status) answers one item without doing its work:
//       - kDeadlineExceeded  its deadline passed while it waited (checked when a batch is taken);
//       - kCancelled         the executor was shut down before a batch task could take it;
//       - kResourceExhausted / kUnavailable  the executor refused the batch task this item was
//         counting on (see "Overload" below).
//     fail() is usually called on a worker, but on the thread inside Add() in the overload case
//     and for the expired items a full queue drops (see "Bounded queue" below).
//   * Exactly one of run_batch/fail reaches each accepted item. Neither is called with the
//     batcher's lock held, so both may call Add(). Neither may throw.
//   * Add() returns an error only when the item could not be queued at all: `pending` already
//     holds max_pending items (kResourceExhausted), or the executor refused the batch task
//     needed to serve it (kResourceExhausted when its queue is full, kUnavailable after
//     Shutdown(), exactly as Submit() returned them). The item is then destroyed without
//     run_batch or fail ever seeing it, so keep what you need to answer it (e.g. the reactor
//     pointer) outside the item.
//
// How it works. Items wait in a FIFO `pending` queue; `in_flight` counts batch tasks that Add()
// has reserved (about to Submit), that wait in the executor's queue, or that run. Add() queues
// the item and, if in_flight < max_in_flight, reserves a slot (under the lock) and submits a new
// batch task (outside the lock). A batch task called with OK takes, under the lock, up
// to max_batch_size items from the front (expired ones go to a separate list, not counting
// toward the batch, but at most max_batch_size of them per critical section: it then unlocks,
// fails them with kDeadlineExceeded and comes back for the rest of its batch, so a long run of
// expired items never holds the lock for more than 2 * max_batch_size moves), then outside the
// lock calls run_batch on the batch. If items are still pending afterwards it submits a successor
// task, which inherits its in_flight slot, and returns (freeing the worker for other work queued
// meanwhile); if that Submit() fails it serves the next batch itself. It stops when it finds
// `pending` empty, and in that same critical section decrements in_flight. A task called with a
// non-OK status (the executor was shut down while it was queued; its own deadline is
// InfiniteFuture, since items carry their deadlines) takes ALL pending items, decrements in_flight,
// and fails them with that status: shutdown means no work will be done, and leaving items for
// another task that is also about to be cancelled would gain nothing.
//
// Overload: if Submit() fails, Add() re-locks and gives back its reservation. If its own item
// is still pending it removes it and returns the error; if a running task already took it, it
// returns OK (the item will be answered). If that leaves in_flight == 0 while other items are
// still pending (they were added relying on this reservation), it takes them all and fails them
// with the Submit() error, since no task is left to serve them.
//
// Bounded queue: `pending` holds at most max_pending items, so a stalled database under a flood
// of calls costs bounded memory. Add() on a full queue first takes the expired items at the
// front (at most max_batch_size, each moved once, so O(1) amortised per item) and fails them
// with kDeadlineExceeded outside the lock, on its own thread: their callers are answered at
// once instead of when a worker frees up. If the queue is still full, Add() returns
// kResourceExhausted and keeps nothing.
//
// Invariant: whenever the lock is free, `pending` non-empty implies in_flight >= 1.
// Proof: every change to `pending` or in_flight happens under the lock; check each one.
//   - Add() pushes an item only in a critical section that either sees in_flight >= 1 (it is
//     already at max_in_flight >= 1) or increments in_flight.
//   - Taking items (a batch, expired items, a full queue's expired front) only shrinks
//     `pending`; a full queue pushes nothing.
//   - in_flight is decremented in exactly three places, and each leaves `pending` empty when it
//     would otherwise break the invariant: an OK task decrements only in the critical section
//     where it found `pending` empty (a task that hands on to a successor does not decrement:
//     the successor holds the slot from the moment Submit() accepts it); a non-OK task empties
//     `pending` in the critical section where it decrements; a failed Submit() in Add()
//     decrements and, if that leaves 0, empties `pending`.
// Liveness: each unit of in_flight is a reservation that Add() either turns into a submitted
// task or gives back (above); the executor calls every submitted task exactly once, and an OK
// task does not exit while items are pending unless a successor holding its slot was
// submitted; so every pending item is taken by a task or by a full queue's Add(), or
// failed by a non-OK task or by a failed Submit(). Thus no item is stranded. Exactly once: an
// item leaves `pending` once, under the lock, into exactly one taker's local list, and only
// that taker answers it (fail or run_batch), after unlocking.
//
// Ordering: items are taken in FIFO order. With max_in_flight > 1 several batches can run at
// once, so answers may complete out of order.
//
// Sharing an executor: a batch task runs one batch and then queues a successor behind whatever
// else was submitted meanwhile, so batches take turns with the executor's other work even when
// max_in_flight equals its worker count and items never stop arriving.
//
// Lifetime: the batch tasks share the batcher's state (queue, counters, callbacks) through a
// shared_ptr, so destroying the MicroBatcher while tasks are outstanding is memory-safe: those
// tasks still answer every pending item. What run_batch and fail capture must stay valid until
// the executor has been shut down (the owner shuts the executor down first, which calls every
// task it holds), and the executor must outlive every Add() call.
//
// Item must be movable (move-constructible and move-assignable). Thread-safe: Add(), pending()
// and in_flight() may be called from any thread. std::mutex, not absl::Mutex, so that
// ThreadSanitizer sees the locking (Debian's libabsl is not built with TSan).
#ifndef LIBS_EXECUTOR_MICRO_BATCHER_H_
#define LIBS_EXECUTOR_MICRO_BATCHER_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/executor/bounded_executor.h"

namespace auth::executor {

template <typename Item>
class MicroBatcher {
 public:
  struct Options {
    // Names the batcher in the statuses it passes to fail().
    std::string name;
    // Most items given to one run_batch call; values below 1 mean 1.
    int max_batch_size = 32;
    // Most batch tasks reserved, queued in or running on the executor at once; below 1 means 1.
    int max_in_flight = 4;
    // Most items waiting for a batch task; Add() refuses more (kResourceExhausted). Below 1
    // means 1.
    int max_pending = 4096;
  };

  // Does the work for every item in the batch and answers each (see the contract above).
  using RunBatch = std::function<void(std::vector<Item>&)>;
  // Answers one item without doing its work.
  using Fail = std::function<void(Item&, const absl::Status&)>;

  // `executor` must outlive every Add() call; see "Lifetime" above.
  MicroBatcher(BoundedExecutor& executor, Options options, RunBatch run_batch, Fail fail)
      : executor_(executor),
        state_(std::make_shared<State>(executor, std::move(options), std::move(run_batch),
                                       std::move(fail))) {}

  MicroBatcher(const MicroBatcher&) = delete;
  MicroBatcher& operator=(const MicroBatcher&) = delete;

  // Queues `item`, to be done before `deadline`, and submits a batch task if fewer than
  // max_in_flight are outstanding. On error (kResourceExhausted, kUnavailable) the item was not
  // kept and the caller answers it itself.
  absl::Status Add(Item item, absl::Time deadline) {
    uint64_t sequence = 0;
    bool queue_full = false;
    bool must_submit = false;
    std::vector<Item> expired;  // Dropped from a full queue; failed outside the lock.
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      if (state_->pending.size() >= state_->max_pending) {
        state_->TakeExpiredFront(absl::Now(), expired);
      }
      if (state_->pending.size() >= state_->max_pending) {
        queue_full = true;
      } else {
        sequence = state_->next_sequence++;
        state_->pending.push_back(Entry{sequence, deadline, std::move(item)});
        if (state_->in_flight < state_->max_in_flight) {
          ++state_->in_flight;  // Reserved here, so the invariant holds before Submit() returns.
          must_submit = true;
        }
      }
    }
    state_->FailExpired(expired);
    if (queue_full) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "batcher ", state_->name, ": ", state_->max_pending, " calls already waiting"));
    }
    if (!must_submit) return absl::OkStatus();
    if (before_submit_for_test_) before_submit_for_test_();
    // Infinite deadline: items carry their own, and an expired task would have to fail every
    // pending item instead of only the expired ones.
    absl::Status submitted =
        executor_.Submit(absl::InfiniteFuture(),
                         [state = state_](absl::Status status) { state->RunTask(status, state); });
    if (submitted.ok()) return absl::OkStatus();
    return state_->GiveBackReservation(sequence, std::move(submitted));
  }

  // Items waiting for a batch task.
  int pending() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return static_cast<int>(state_->pending.size());
  }

  // Batch tasks outstanding (reserved, queued in the executor, or running).
  int in_flight() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->in_flight;
  }

  // Called by Add() between reserving a batch task and submitting it (outside the lock), so tests
  // can make the races around a refused Submit() happen. Set it before the first Add().
  void SetBeforeSubmitForTest(std::function<void()> hook) {
    before_submit_for_test_ = std::move(hook);
  }

 private:
  struct Entry {
    uint64_t sequence;  // Identifies the entry for GiveBackReservation(); increases in `pending`.
    absl::Time deadline;
    Item item;
  };

  // Everything the batch tasks touch, shared with them so they may outlive the MicroBatcher.
  struct State {
    State(BoundedExecutor& executor_ref, Options options, RunBatch run_batch_fn, Fail fail_fn)
        : executor(executor_ref),
          name(std::move(options.name)),
          max_batch_size(std::max(1, options.max_batch_size)),
          max_in_flight(std::max(1, options.max_in_flight)),
          max_pending(static_cast<size_t>(std::max(1, options.max_pending))),
          run_batch(std::move(run_batch_fn)),
          fail(std::move(fail_fn)) {}

    // Body of every batch task; `status` is what the executor called it with. `self` is the
    // shared state the task holds, passed on to the task it hands the rest of the work to.
    void RunTask(const absl::Status& status, const std::shared_ptr<State>& self) {
      if (!status.ok()) {
        FailAllPendingAndExit(status);
        return;
      }
      std::vector<Item> batch;
      std::unique_lock<std::mutex> lock(mu);
      while (!pending.empty()) {
        TakeBatch(lock, batch);
        lock.unlock();
        if (!batch.empty()) run_batch(batch);
        // Destroyed outside the lock: an item's destructor may do anything.
        batch.clear();
        lock.lock();
        if (pending.empty()) break;
        // More items are waiting: hand them to a fresh task at the back of the executor's
        // queue, which inherits this task's slot, and free the worker, so that other work
        // queued on a shared executor meanwhile gets its turn. If the executor refuses (full,
        // or shutting down), keep serving them here rather than strand them.
        lock.unlock();
        const absl::Status handed_on = executor.Submit(
            absl::InfiniteFuture(), [self](absl::Status next) { self->RunTask(next, self); });
        if (handed_on.ok()) return;
        lock.lock();
      }
      --in_flight;  // In the critical section that saw `pending` empty: see the invariant.
    }

    // With `lock` held on entry and on return: moves into `batch` up to max_batch_size items
    // from the front of `pending` whose deadlines have not passed. Expired items met on the way
    // are failed, at most max_batch_size per critical section, with the lock released.
    void TakeBatch(std::unique_lock<std::mutex>& lock, std::vector<Item>& batch) {
      std::vector<Item> expired;
      const size_t batch_size = static_cast<size_t>(max_batch_size);
      while (true) {
        const absl::Time now = absl::Now();
        while (!pending.empty() && batch.size() < batch_size && expired.size() < batch_size) {
          Entry& entry = pending.front();
          (entry.deadline <= now ? expired : batch).push_back(std::move(entry.item));
          pending.pop_front();
        }
        if (expired.empty()) return;
        lock.unlock();
        FailExpired(expired);
        lock.lock();
        if (pending.empty() || batch.size() >= batch_size) return;
      }
    }

    // Under the lock, from a full queue: moves the expired items at the front of `pending`, at
    // most max_batch_size, into `expired`.
    void TakeExpiredFront(absl::Time now, std::vector<Item>& expired) {
      while (!pending.empty() && expired.size() < static_cast<size_t>(max_batch_size) &&
             pending.front().deadline <= now) {
        expired.push_back(std::move(pending.front().item));
        pending.pop_front();
      }
    }

    // Outside the lock: fails `expired` with kDeadlineExceeded, then destroys them.
    void FailExpired(std::vector<Item>& expired) {
      if (expired.empty()) return;
      const absl::Status deadline_exceeded = absl::DeadlineExceededError(
          absl::StrCat("deadline passed while queued in batcher ", name));
      for (Item& item : expired) fail(item, deadline_exceeded);
      expired.clear();
    }

    // Called by Add() when Submit() refused the task it reserved a slot for. Returns `error` if
    // the item numbered `sequence` was still pending (it is removed and destroyed), else OK.
    absl::Status GiveBackReservation(uint64_t sequence, absl::Status error) {
      std::optional<Entry> mine;  // Destroyed on return, outside the lock.
      std::deque<Entry> orphans;
      {
        std::lock_guard<std::mutex> lock(mu);
        --in_flight;
        auto it = std::lower_bound(
            pending.begin(), pending.end(), sequence,
            [](const Entry& entry, uint64_t wanted) { return entry.sequence < wanted; });
        if (it != pending.end() && it->sequence == sequence) {
          mine.emplace(std::move(*it));
          pending.erase(it);
        }
        // Items added while our reservation stood counted on it; no task is left to serve them.
        if (in_flight == 0) orphans.swap(pending);
      }
      if (!orphans.empty()) {
        const absl::Status status(error.code(),
                                  absl::StrCat("batcher ", name, ": ", error.message()));
        for (Entry& entry : orphans) fail(entry.item, status);
      }
      return mine.has_value() ? error : absl::OkStatus();
    }

    // A task called with a non-OK status: takes every pending item, gives back its slot, and
    // fails the items with `status`.
    void FailAllPendingAndExit(const absl::Status& status) {
      std::deque<Entry> taken;
      {
        std::lock_guard<std::mutex> lock(mu);
        taken.swap(pending);
        --in_flight;  // `pending` is empty now: see the invariant.
      }
      if (taken.empty()) return;
      const absl::Status wrapped(status.code(),
                                 absl::StrCat("batcher ", name, ": ", status.message()));
      for (Entry& entry : taken) fail(entry.item, wrapped);
    }

    BoundedExecutor& executor;
    const std::string name;
    const int max_batch_size;
    const int max_in_flight;
    const size_t max_pending;
    const RunBatch run_batch;
    const Fail fail;

    // Guards the members below. (No ABSL_GUARDED_BY: libstdc++'s std::mutex is not annotated.)
    mutable std::mutex mu;
    std::deque<Entry> pending;  // FIFO, increasing `sequence`.
    int in_flight = 0;
    uint64_t next_sequence = 0;
  };

  BoundedExecutor& executor_;
  const std::shared_ptr<State> state_;
  std::function<void()> before_submit_for_test_;
};

}  // namespace auth::executor

#endif  // LIBS_EXECUTOR_MICRO_BATCHER_H_
