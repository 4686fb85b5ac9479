// MailDispatcher; see mail_dispatcher.h.
#include "libs/mail/mail_dispatcher.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "libs/mail/mail_sender.h"
#include "libs/repository/mail_outbox.h"

namespace auth::mail {

using ::auth::repository::ClaimedMail;

MailDispatcher::MailDispatcher(repository::MailOutbox& outbox, MailSender& sender,
                               MailDispatcherOptions options)
    : outbox_(outbox), sender_(sender), options_(std::move(options)) {}

MailDispatcher::~MailDispatcher() { Stop(); }

absl::Duration MailDispatcher::Backoff(const MailDispatcherOptions& options, int attempts) {
  absl::Duration pause = options.initial_backoff;
  for (int i = 1; i < attempts && pause < options.max_backoff; ++i) pause *= 2;
  return std::min(pause, options.max_backoff);
}

absl::StatusOr<DispatchResult> MailDispatcher::DispatchOnce() {
  const absl::Time claimed_at = options_.clock();
  absl::StatusOr<std::vector<ClaimedMail>> claimed =
      outbox_.ClaimDue(options_.batch_size, options_.lease);
  if (!claimed.ok()) return claimed.status();
  DispatchResult result;
  result.claimed = static_cast<int>(claimed->size());
  const absl::Time lease_end = claimed_at + options_.lease;
  for (const ClaimedMail& mail : *claimed) {
    if (options_.clock() >= lease_end) {
      ++result.skipped;  // someone else may hold it now: sending could deliver it twice
      continue;
    }
    const absl::Status sent = sender_.Send(mail.mail);
    absl::Status recorded;
    if (sent.ok()) {
      recorded = outbox_.MarkSent(mail);
      if (recorded.ok()) ++result.sent;
      VLOG(1) << "mail " << mail.id << " sent (attempt " << mail.attempts << ")";
    } else if (absl::IsInvalidArgument(sent) || mail.attempts >= options_.max_attempts) {
      recorded = outbox_.MarkFailed(mail);
      if (recorded.ok()) ++result.failed;
      LOG(ERROR) << "mail " << mail.id << " given up after attempt " << mail.attempts << ": "
                 << sent;
    } else {
      const absl::Duration pause = Backoff(options_, mail.attempts);
      recorded = outbox_.Reschedule(mail, options_.clock() + pause);
      if (recorded.ok()) ++result.rescheduled;
      LOG(WARNING) << "mail " << mail.id << " attempt " << mail.attempts << " of "
                   << options_.max_attempts << " failed, next in " << pause << ": " << sent;
    }
    if (!recorded.ok()) {
      ++result.skipped;
      LOG(WARNING) << "mail " << mail.id << ": outcome not recorded: " << recorded;
    }
  }
  return result;
}

void MailDispatcher::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void MailDispatcher::Wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wakeup_.notify_all();
}

void MailDispatcher::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    thread = std::move(thread_);
  }
  wakeup_.notify_all();
  if (thread.joinable()) thread.join();
}

void MailDispatcher::Run() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      woken_ = false;
    }
    absl::StatusOr<DispatchResult> result = DispatchOnce();
    if (!result.ok()) LOG(WARNING) << "mail outbox: claim failed: " << result.status();
    // A full batch suggests more are due: go on at once.
    const bool more = result.ok() && result->claimed >= options_.batch_size;
    std::unique_lock<std::mutex> lock(mutex_);
    if (!more) {
      wakeup_.wait_for(lock, absl::ToChronoMilliseconds(options_.poll_interval),
                       [this] { return woken_ || stopping_; });
    }
  }
}

}  // namespace auth::mail
