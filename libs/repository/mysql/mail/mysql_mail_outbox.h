// MysqlMailOutbox: MailOutbox over the `mail_outbox` table (../schema/migrations/0007_*).
//
//   MysqlMailOutbox outbox(pool);
//   ASSIGN_OR_RETURN(int64_t id, outbox.Enqueue(mail));
//
// ClaimDue() is one transaction: SELECT ... FOR UPDATE SKIP LOCKED picks due pending rows that
// no concurrent claim holds (MariaDB 10.6+; Debian 12 has 10.11), then each row gets the
// claim's random id, one more attempt and next_attempt_at = now + lease, and the transaction
// commits: the lease, not a held lock, keeps other dispatchers off the mail while it is being
// sent, so no database connection waits on the mail server. MarkSent(), Reschedule() and
// MarkFailed() change the row only while it still carries the claim's id. "Now" comes from the
// application's clock (injectable for tests), as in the other repositories.
#ifndef LIBS_REPOSITORY_MYSQL_MAIL_MYSQL_MAIL_OUTBOX_H_
#define LIBS_REPOSITORY_MYSQL_MAIL_MYSQL_MAIL_OUTBOX_H_

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/mail/mail.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/mail_outbox.h"

namespace auth::mysql_repository {

class MysqlMailOutbox : public repository::MailOutbox {
 public:
  // `pool` must outlive the outbox.
  explicit MysqlMailOutbox(mysql::ConnectionPool& pool,
                           std::function<absl::Time()> clock = absl::Now)
      : pool_(pool), clock_(std::move(clock)) {}

  absl::StatusOr<int64_t> Enqueue(const mail::Mail& mail) override;
  absl::StatusOr<std::vector<repository::ClaimedMail>> ClaimDue(int max_mails,
                                                                absl::Duration lease) override;
  absl::Status MarkSent(const repository::ClaimedMail& claimed) override;
  absl::Status Reschedule(const repository::ClaimedMail& claimed,
                          absl::Time next_attempt_at) override;
  absl::Status MarkFailed(const repository::ClaimedMail& claimed) override;

 private:
  // Sets state (and finished_at if it is final) and next_attempt_at of the claimed row, if it
  // still carries the claim; kAborted if not.
  absl::Status Settle(const repository::ClaimedMail& claimed, int state,
                      absl::Time next_attempt_at);

  mysql::ConnectionPool& pool_;
  const std::function<absl::Time()> clock_;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_MAIL_MYSQL_MAIL_OUTBOX_H_
