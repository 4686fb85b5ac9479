// Notification: notify before and after waiting, timeouts, and many waiters.
#include "libs/testing/notification.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace auth::test_util {
namespace {

TEST(NotificationTest, StartsUnnotified) {
  Notification n;
  EXPECT_FALSE(n.HasBeenNotified());
  EXPECT_FALSE(n.WaitForNotificationWithTimeout(absl::Milliseconds(10)));
}

TEST(NotificationTest, NotifyBeforeWaitReturnsAtOnce) {
  Notification n;
  n.Notify();
  EXPECT_TRUE(n.HasBeenNotified());
  n.WaitForNotification();
  EXPECT_TRUE(n.WaitForNotificationWithTimeout(absl::ZeroDuration()));
}

TEST(NotificationTest, TimeoutWaitsAboutTheTimeout) {
  Notification n;
  const absl::Time start = absl::Now();
  EXPECT_FALSE(n.WaitForNotificationWithTimeout(absl::Milliseconds(100)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(95));
}

TEST(NotificationTest, WakesEveryWaiterAndPublishesWrites) {
  Notification n;
  int payload = 0;  // written before Notify(), read after the wait: ordered by the notification
  std::atomic<int> woken{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&] {
      n.WaitForNotification();
      if (payload == 42) ++woken;
    });
  }
  payload = 42;
  n.Notify();
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(woken.load(), 4);
}

}  // namespace
}  // namespace auth::test_util
