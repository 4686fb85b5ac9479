// InsertOutboxMail(); see outbox_statements.h.
#include "libs/repository/mysql/mail/outbox_statements.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "libs/mail/mail.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"

namespace auth::mysql_repository {

int64_t InsertOutboxMail(mysql::Connection& connection, const mail::Mail& mail, absl::Time now) {
  sql::PreparedStatement& insert = connection.Prepare(
      "INSERT INTO mail_outbox (recipient, subject, body, state, attempts, next_attempt_at, "
      "created_at) VALUES (?, ?, ?, 0, 0, ?, ?) RETURNING id");
  const std::string at = mysql::ToSqlTime(now);
  insert.setString(1, mail.to);
  insert.setString(2, mail.subject);
  insert.setString(3, mail.body);
  insert.setDateTime(4, at);
  insert.setDateTime(5, at);
  std::unique_ptr<sql::ResultSet> rows(insert.executeQuery());
  if (!rows->next()) throw sql::SQLException("INSERT ... RETURNING returned no row");
  return static_cast<int64_t>(rows->getUInt64(1));
}

}  // namespace auth::mysql_repository
