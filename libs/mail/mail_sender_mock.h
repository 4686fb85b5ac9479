// MockMailSender: gMock's MailSender.
#ifndef LIBS_MAIL_MAIL_SENDER_MOCK_H_
#define LIBS_MAIL_MAIL_SENDER_MOCK_H_

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "libs/mail/mail.h"
#include "libs/mail/mail_sender.h"

namespace auth::mail {

class MockMailSender : public MailSender {
 public:
  MOCK_METHOD(absl::Status, Send, (const Mail& mail), (override));
};

}  // namespace auth::mail

#endif  // LIBS_MAIL_MAIL_SENDER_MOCK_H_
