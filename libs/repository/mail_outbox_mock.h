// MockMailOutbox: gMock's MailOutbox.
#ifndef LIBS_REPOSITORY_MAIL_OUTBOX_MOCK_H_
#define LIBS_REPOSITORY_MAIL_OUTBOX_MOCK_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/mail/mail.h"
#include "libs/repository/mail_outbox.h"

namespace auth::repository {

class MockMailOutbox : public MailOutbox {
 public:
  MOCK_METHOD(absl::StatusOr<int64_t>, Enqueue, (const mail::Mail& mail), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<ClaimedMail>>, ClaimDue,
              (int max_mails, absl::Duration lease), (override));
  MOCK_METHOD(absl::Status, MarkSent, (const ClaimedMail& claimed), (override));
  MOCK_METHOD(absl::Status, Reschedule, (const ClaimedMail& claimed, absl::Time next_attempt_at),
              (override));
  MOCK_METHOD(absl::Status, MarkFailed, (const ClaimedMail& claimed), (override));
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_MAIL_OUTBOX_MOCK_H_
