// MailDispatcher: sends the outbox's mails from a thread of its own, so that no gRPC or
// database executor thread ever waits for the mail server. Every `poll_interval` (or at once
// after Wake(), which a request that just enqueued a mail may call) it claims due mails
// (MailOutbox::ClaimDue, leased), sends each through the MailSender and records the outcome:
//
//   sent                                  -> MarkSent
//   kInvalidArgument (this mail can never -> MarkFailed at once (kept in the table, failed)
//     be sent: refused with 5xx, invalid)
//   anything else (server down, 4xx,      -> Reschedule after an exponential backoff
//     settings refused: the operator may     (initial_backoff * 2^(attempts-1), at most
//     fix them while mails wait)              max_backoff); MarkFailed after max_attempts
//
// All state is in the outbox table: a restarted dispatcher (or another replica's) resumes where
// this one stopped; a mail whose dispatcher died mid-send is claimed again when its lease ends.
// The lease must outlast a batch: batch_size × the sender's timeout (5 × 30 s < 5 min by
// default). A mail whose lease has ended before its turn in the batch is left to whoever claims
// it next, not sent.
//
// Log lines name mails by id only: never a body (secret links) or a recipient.
//
//   MailDispatcher dispatcher(outbox, smtp_sender, MailDispatcherOptions{});
//   dispatcher.Start();
//   ... outbox.Enqueue(mail); dispatcher.Wake();
//   dispatcher.Stop();  // also in the destructor
#ifndef LIBS_MAIL_MAIL_DISPATCHER_H_
#define LIBS_MAIL_MAIL_DISPATCHER_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/mail/mail_sender.h"
#include "libs/repository/mail_outbox.h"

namespace auth::mail {

struct MailDispatcherOptions {
  absl::Duration poll_interval = absl::Seconds(5);
  int batch_size = 5;     // mails claimed at once
  int max_attempts = 10;  // then the mail is given up (~8.5 h of retries with the defaults)
  absl::Duration initial_backoff = absl::Seconds(30);
  absl::Duration max_backoff = absl::Hours(1);
  absl::Duration lease = absl::Minutes(5);
  std::function<absl::Time()> clock = absl::Now;
};

// What one DispatchOnce() did.
struct DispatchResult {
  int claimed = 0;
  int sent = 0;
  int rescheduled = 0;
  int failed = 0;   // given up
  int skipped = 0;  // lease ended before its turn, or the lease was lost while sending
};

class MailDispatcher {
 public:
  // `outbox` and `sender` must outlive the dispatcher.
  MailDispatcher(repository::MailOutbox& outbox, MailSender& sender,
                 MailDispatcherOptions options = {});
  ~MailDispatcher();  // Stop()

  MailDispatcher(const MailDispatcher&) = delete;
  MailDispatcher& operator=(const MailDispatcher&) = delete;

  // Starts the thread (once).
  void Start();
  // Makes the thread look at the outbox now instead of at the end of its interval.
  void Wake();
  // Ends the thread after the mail it is sending, if any; idempotent.
  void Stop();

  // One pass: claims up to batch_size due mails and sends them. An error only if the claim
  // failed (nothing was sent then). The thread calls it; tests may call it directly.
  absl::StatusOr<DispatchResult> DispatchOnce();

  // The pause before the next attempt after `attempts` failed ones (1, 2, ...).
  static absl::Duration Backoff(const MailDispatcherOptions& options, int attempts);

 private:
  void Run();

  repository::MailOutbox& outbox_;
  MailSender& sender_;
  const MailDispatcherOptions options_;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool woken_ = false;     // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace auth::mail

#endif  // LIBS_MAIL_MAIL_DISPATCHER_H_
