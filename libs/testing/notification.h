// Notification: a one-shot event for tests, like absl::Notification but built on std::mutex and
// std::condition_variable.
//
//   auth::test_util::Notification done;
//   std::thread worker([&] { Work(); done.Notify(); });
//   EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
//
// Why not absl::Notification: Debian's libabsl is not built with ThreadSanitizer, so under
// --config=tsan its synchronisation is invisible and every access it orders is reported as a
// race. The standard library's is intercepted by TSan.
#ifndef LIBS_TESTING_NOTIFICATION_H_
#define LIBS_TESTING_NOTIFICATION_H_

#include <condition_variable>
#include <mutex>

#include "absl/time/time.h"

namespace auth::test_util {

class Notification {
 public:
  Notification() = default;
  Notification(const Notification&) = delete;
  Notification& operator=(const Notification&) = delete;

  // Wakes every waiter, now and later. Call at most once.
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
    // Under the lock: a waiter may destroy this object as soon as it sees `notified_`.
    cv_.notify_all();
  }

  // True once Notify() has been called.
  bool HasBeenNotified() const {
    std::lock_guard<std::mutex> lock(mu_);
    return notified_;
  }

  // Blocks until Notify() is called.
  void WaitForNotification() const {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return notified_; });
  }

  // Blocks until Notify() is called or `timeout` passes; true if notified.
  bool WaitForNotificationWithTimeout(absl::Duration timeout) const {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [this] { return notified_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool notified_ = false;  // guarded by mu_
};

}  // namespace auth::test_util

#endif  // LIBS_TESTING_NOTIFICATION_H_
