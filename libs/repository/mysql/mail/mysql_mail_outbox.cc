// MysqlMailOutbox; see mysql_mail_outbox.h. Every statement is prepared; the mail's text only
// ever travels as a bound parameter and never reaches a log line or a status message.
#include "libs/repository/mysql/mail/mysql_mail_outbox.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/mail/mail.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mysql/mail/outbox_statements.h"

namespace auth::mysql_repository {

using ::auth::repository::ClaimedMail;

namespace {

constexpr int kPending = 0;
constexpr int kSent = 1;
constexpr int kFailed = 2;

// A claim's id: 128 random bits as hex, so that no two claims share one.
std::string NewClaimId() {
  absl::BitGen random;
  return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16),
                      absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16));
}

}  // namespace

absl::StatusOr<int64_t> MysqlMailOutbox::Enqueue(const mail::Mail& mail) {
  if (absl::Status valid = mail::ValidateMail(mail); !valid.ok()) return valid;
  return mysql::RunOnConnection(pool_, "enqueue mail", "",
                                [&](mysql::Connection& connection) -> absl::StatusOr<int64_t> {
                                  return InsertOutboxMail(connection, mail, clock_());
                                });
}

absl::StatusOr<std::vector<ClaimedMail>> MysqlMailOutbox::ClaimDue(int max_mails,
                                                                   absl::Duration lease) {
  if (max_mails <= 0) return std::vector<ClaimedMail>();
  return mysql::RunInTransaction(
      pool_, "claim due mails", "",
      [&](mysql::Connection& connection) -> absl::StatusOr<std::vector<ClaimedMail>> {
        const absl::Time now = clock_();
        sql::PreparedStatement& select = connection.Prepare(
            "SELECT id, recipient, subject, body, attempts FROM mail_outbox "
            "WHERE state = 0 AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ? "
            "FOR UPDATE SKIP LOCKED");
        select.setDateTime(1, mysql::ToSqlTime(now));
        select.setInt(2, max_mails);
        std::vector<ClaimedMail> claimed;
        {
          std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
          const std::string claim = NewClaimId();
          while (rows->next()) {
            ClaimedMail mail;
            mail.id = static_cast<int64_t>(rows->getUInt64(1));
            mail.claim = claim;
            mail.mail.to = rows->getString(2);
            mail.mail.subject = rows->getString(3);
            mail.mail.body = rows->getString(4);
            mail.attempts = static_cast<int>(rows->getUInt(5)) + 1;
            claimed.push_back(std::move(mail));
          }
        }
        sql::PreparedStatement& update = connection.Prepare(
            "UPDATE mail_outbox SET claim_id = ?, attempts = attempts + 1, next_attempt_at = ? "
            "WHERE id = ?");
        for (const ClaimedMail& mail : claimed) {
          update.setString(1, mail.claim);
          update.setDateTime(2, mysql::ToSqlTime(now + lease));
          update.setUInt64(3, static_cast<uint64_t>(mail.id));
          update.executeUpdate();
        }
        return claimed;
      });
}

absl::Status MysqlMailOutbox::Settle(const ClaimedMail& claimed, int state,
                                     absl::Time next_attempt_at) {
  return mysql::RunOnConnection(
      pool_, "settle claimed mail", "", [&](mysql::Connection& connection) -> absl::Status {
        sql::PreparedStatement& update = connection.Prepare(
            "UPDATE mail_outbox SET state = ?, claim_id = NULL, next_attempt_at = ?, "
            "finished_at = IF(? = 0, NULL, ?) WHERE id = ? AND claim_id = ? AND state = 0");
        const std::string now = mysql::ToSqlTime(clock_());
        update.setInt(1, state);
        update.setDateTime(2, mysql::ToSqlTime(next_attempt_at));
        update.setInt(3, state);
        update.setDateTime(4, now);
        update.setUInt64(5, static_cast<uint64_t>(claimed.id));
        update.setString(6, claimed.claim);
        if (update.executeUpdate() == 0) {
          return absl::AbortedError(
              absl::StrCat("mail ", claimed.id, " is no longer held by this claim"));
        }
        return absl::OkStatus();
      });
}

absl::Status MysqlMailOutbox::MarkSent(const ClaimedMail& claimed) {
  return Settle(claimed, kSent, clock_());
}

absl::Status MysqlMailOutbox::Reschedule(const ClaimedMail& claimed, absl::Time next_attempt_at) {
  return Settle(claimed, kPending, next_attempt_at);
}

absl::Status MysqlMailOutbox::MarkFailed(const ClaimedMail& claimed) {
  return Settle(claimed, kFailed, clock_());
}

}  // namespace auth::mysql_repository
