#include "tools/loadgen/driver.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "absl/time/clock.h"

namespace auth::loadgen {
namespace {

// What the loop's callbacks share. Held by shared_ptr so that a straggler completing after
// RunLoad gave up waiting still finds it alive.
class Run : public std::enable_shared_from_this<Run> {
 public:
  Run(Workload& workload, const LoadOptions& options, absl::Time start)
      : workload_(workload),
        options_(options),
        burst_(options.total_calls > 0),
        window_start_(burst_ ? start : start + options.warmup),
        window_end_(window_start_ + options.duration) {}

  absl::Time window_start() const { return window_start_; }
  absl::Time window_end() const { return window_end_; }

  // Closed loop and burst: starts the next call of `slot`, or retires the slot.
  void Issue(int slot) {
    const absl::Time now = absl::Now();
    const bool over =
        now >= window_end_ || (burst_ && issued_.fetch_add(1) >= options_.total_calls);
    if (over || !StartCall(slot, now, /*reissue=*/true)) RetireSlot();
  }

  // Open loop: starts a call due at `due`, unless `concurrency` are in flight already.
  void IssueAt(int slot, absl::Time due) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (in_flight_ >= options_.concurrency) {
        if (due >= window_start_) recorder_.RecordError(kNotSent);
        return;
      }
      ++in_flight_;
    }
    if (!StartCall(slot, due, /*reissue=*/false)) {
      std::lock_guard<std::mutex> lock(mutex_);
      --in_flight_;
      cv_.notify_all();
    }
  }

  // Waits until `until`, or until every slot retired (closed loop/burst) or no call is in
  // flight (open loop, once `open_loop_done`).
  void WaitIdle(absl::Time until, bool open_loop) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_until(lock, absl::ToChronoTime(until),
                   [&] { return open_loop ? in_flight_ == 0 : active_slots_ == 0; });
  }

  void SetActiveSlots(int slots) {
    std::lock_guard<std::mutex> lock(mutex_);
    active_slots_ = slots;
  }

  LoadResult Result() {
    LoadResult result;
    result.totals = recorder_.Snapshot();
    std::lock_guard<std::mutex> lock(mutex_);
    result.ran_dry = ran_dry_;
    absl::Time end = window_end_;
    // A burst, or a run that ran dry, ends with its last recorded call.
    if (burst_ || ran_dry_) end = std::min(end, last_completion_);
    result.window = std::max(end - window_start_, absl::ZeroDuration());
    return result;
  }

 private:
  bool StartCall(int slot, absl::Time due, bool reissue) {
    std::shared_ptr<Run> self = shared_from_this();
    const bool started =
        workload_.Start(slot, due + options_.deadline,
                        [self, slot, due, reissue](const grpc::Status& status, bool well_formed) {
                          self->Completed(due, status, well_formed);
                          if (reissue) self->Issue(slot);
                        });
    if (!started) {
      std::lock_guard<std::mutex> lock(mutex_);
      ran_dry_ = true;
    }
    return started;
  }

  void Completed(absl::Time due, const grpc::Status& status, bool well_formed) {
    const absl::Time now = absl::Now();
    const bool in_window = burst_ || (now >= window_start_ && now < window_end_);
    if (in_window) recorder_.Record(status.error_code(), well_formed, now - due);
    std::lock_guard<std::mutex> lock(mutex_);
    if (in_window) last_completion_ = std::max(last_completion_, now);
    if (options_.rate > 0) {
      --in_flight_;
      cv_.notify_all();
    }
  }

  void RetireSlot() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--active_slots_ == 0) cv_.notify_all();
  }

  Workload& workload_;
  const LoadOptions options_;
  const bool burst_;
  const absl::Time window_start_;
  const absl::Time window_end_;
  Recorder recorder_;
  std::atomic<int64_t> issued_{0};

  std::mutex mutex_;
  std::condition_variable cv_;
  int active_slots_ = 0;  // closed loop and burst
  int in_flight_ = 0;     // open loop
  bool ran_dry_ = false;
  absl::Time last_completion_ = absl::InfinitePast();
};

void SleepUntil(absl::Time when) {
  const absl::Duration left = when - absl::Now();
  if (left > absl::ZeroDuration()) absl::SleepFor(left);
}

}  // namespace

LoadResult RunLoad(Workload& workload, const LoadOptions& options) {
  const absl::Time start = absl::Now();
  auto run = std::make_shared<Run>(workload, options, start);
  const bool open_loop = options.rate > 0 && options.total_calls == 0;
  // Stragglers get one deadline (and a little) after the window to answer.
  const absl::Duration grace = options.deadline + absl::Seconds(1);

  if (open_loop) {
    const absl::Duration interval = absl::Seconds(1.0 / options.rate);
    bool window_open = false;
    for (int64_t i = 0;; ++i) {
      const absl::Time due = start + interval * i;
      if (due >= run->window_end()) break;
      if (!window_open && due >= run->window_start()) {
        SleepUntil(run->window_start());
        if (options.on_window_start) options.on_window_start();
        window_open = true;
      }
      SleepUntil(due);
      run->IssueAt(static_cast<int>(i % options.concurrency), due);
    }
    SleepUntil(run->window_end());
    if (options.on_window_end) options.on_window_end();
    run->WaitIdle(run->window_end() + grace, /*open_loop=*/true);
    return run->Result();
  }

  run->SetActiveSlots(options.concurrency);
  if (options.total_calls > 0) {
    if (options.on_window_start) options.on_window_start();
    for (int slot = 0; slot < options.concurrency; ++slot) run->Issue(slot);
    run->WaitIdle(run->window_end() + grace, /*open_loop=*/false);
    if (options.on_window_end) options.on_window_end();
    return run->Result();
  }

  for (int slot = 0; slot < options.concurrency; ++slot) run->Issue(slot);
  SleepUntil(run->window_start());
  if (options.on_window_start) options.on_window_start();
  // Returns early only if every slot retired (the workload ran dry).
  run->WaitIdle(run->window_end(), /*open_loop=*/false);
  if (options.on_window_end) options.on_window_end();
  run->WaitIdle(run->window_end() + grace, /*open_loop=*/false);
  return run->Result();
}

}  // namespace auth::loadgen
