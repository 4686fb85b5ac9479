// The statement that puts a mail in the `mail_outbox` table, shared by MysqlMailOutbox::Enqueue()
// (on its own, autocommit) and by any repository that must store a mail in its own transaction
// together with what the mail is about (a reset token and its link: both commit, or neither),
// as the refresh-token repository's Create() writes a login's attempt settlement.
//
//   if (absl::Status valid = mail::ValidateMail(mail); !valid.ok()) return valid;
//   ... inside RunInTransaction(pool, ..., [&](mysql::Connection& connection) {
//         InsertToken(connection, ...);
//         InsertOutboxMail(connection, mail, clock());
//         return absl::OkStatus();
//       });
#ifndef LIBS_REPOSITORY_MYSQL_MAIL_OUTBOX_STATEMENTS_H_
#define LIBS_REPOSITORY_MYSQL_MAIL_OUTBOX_STATEMENTS_H_

#include <cstdint>

#include "absl/time/time.h"
#include "libs/mail/mail.h"
#include "libs/mysql/connection.h"

namespace auth::mysql_repository {

// One INSERT ... RETURNING: `mail`, pending and due at `now`; returns its id. Throws
// sql::SQLException; `mail` must have passed mail::ValidateMail().
int64_t InsertOutboxMail(mysql::Connection& connection, const mail::Mail& mail, absl::Time now);

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_MAIL_OUTBOX_STATEMENTS_H_
