// MailSender: delivers one mail to the mail server, now (SmtpMailSender; MockMailSender in
// mail_sender_mock.h). Callers that answer requests never call it directly: they put the mail
// in the outbox (libs/repository:mail_outbox) and the MailDispatcher sends it off their threads.
//
//   absl::Status sent = sender.Send(mail);
//   if (absl::IsUnavailable(sent)) { /* transient: try again later */ }
//
// Statuses: OK once the server accepted the mail; kUnavailable for a failure worth retrying
// (server down, timeout, a 4xx answer); kInvalidArgument when this mail can never be sent (it
// fails ValidateMail(), or the server refused it with a 5xx answer); kFailedPrecondition when
// the sender's settings are wrong (login refused, no STARTTLS, certificate not trusted).
// Messages never contain the body.
#ifndef LIBS_MAIL_MAIL_SENDER_H_
#define LIBS_MAIL_MAIL_SENDER_H_

#include "absl/status/status.h"
#include "libs/mail/mail.h"

namespace auth::mail {

class MailSender {
 public:
  virtual ~MailSender() = default;

  // Sends `mail`; blocks until the server answered or the sender's timeout passed.
  // Thread-safe.
  virtual absl::Status Send(const Mail& mail) = 0;
};

}  // namespace auth::mail

#endif  // LIBS_MAIL_MAIL_SENDER_H_
