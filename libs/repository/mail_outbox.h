// MailOutbox: the mails the service has to send, stored until a mail server accepted them, so
// that a request never waits for SMTP and an SMTP outage or a restart loses no mail. The
// MailDispatcher (libs/mail) claims due mails, sends them and records the outcome.
//
//   outbox->Enqueue({.to = email, .subject = "...", .body = text});  // on its own
//   // A repository that stores a token and its mail in one transaction (so both or neither
//   // commit) writes the mail there with InsertOutboxMail() (mysql/mail/outbox_statements.h).
//
//   // A dispatcher, on any replica:
//   std::vector<ClaimedMail> due = outbox->ClaimDue(10, /*lease=*/absl::Minutes(2)).value();
//   for (const ClaimedMail& claimed : due) {
//     absl::Status sent = sender.Send(claimed.mail);
//     if (sent.ok()) outbox->MarkSent(claimed);
//     else if (transient) outbox->Reschedule(claimed, absl::Now() + backoff);
//     else outbox->MarkFailed(claimed);
//   }
//
// Claiming leases a mail: it is not due again until the lease ends (a dispatcher that died
// mid-send: another one sends it then), and only the claim's holder can record an outcome
// (`ClaimedMail::claim`), so several replicas never send one mail twice while they live. A
// dispatcher that dies after the server accepted the mail but before MarkSent() leaves it to be
// sent again after the lease: at least once, as any outbox without two-phase SMTP.
//
// Errors: kInvalidArgument (Enqueue: a mail that fails mail::ValidateMail()), kUnavailable,
// kInternal. No message, and no log line of an implementation, contains a mail's body (it holds
// secret links) or its recipient.
#ifndef LIBS_REPOSITORY_MAIL_OUTBOX_H_
#define LIBS_REPOSITORY_MAIL_OUTBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/mail/mail.h"

namespace auth::repository {

// A mail a dispatcher holds the lease of.
struct ClaimedMail {
  int64_t id = 0;
  std::string claim;  // the lease's random id: only its holder records the outcome
  int attempts = 0;   // sending attempts so far, this one included
  mail::Mail mail;
};

class MailOutbox {
 public:
  virtual ~MailOutbox() = default;

  // Stores `mail`, due now; returns its id.
  virtual absl::StatusOr<int64_t> Enqueue(const mail::Mail& mail) = 0;

  // Leases up to `max_mails` pending mails that are due (oldest due first) for `lease`, counts
  // the attempt, and returns them. Mails another dispatcher is claiming at the same moment are
  // skipped, not waited for.
  virtual absl::StatusOr<std::vector<ClaimedMail>> ClaimDue(int max_mails,
                                                            absl::Duration lease) = 0;

  // Records that the server accepted the mail. kAborted if the lease was lost (it ended and
  // another dispatcher claimed the mail); then nothing changes.
  virtual absl::Status MarkSent(const ClaimedMail& claimed) = 0;

  // Makes the mail due again at `next_attempt_at` (after a transient failure). kAborted as
  // MarkSent().
  virtual absl::Status Reschedule(const ClaimedMail& claimed, absl::Time next_attempt_at) = 0;

  // Gives the mail up: kept, marked failed, never claimed again. kAborted as MarkSent().
  virtual absl::Status MarkFailed(const ClaimedMail& claimed) = 0;
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_MAIL_OUTBOX_H_
