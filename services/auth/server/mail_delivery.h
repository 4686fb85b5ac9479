// MailDelivery: how a server sends the mails its handlers queue (account recovery): the SMTP
// sender of --smtp_url, the shared outbox table, and a MailDispatcher on its own thread and
// its own database connection (so it never takes one a call is waiting for, and never blocks
// a gRPC or executor thread on the mail server).
//
//   ASSIGN_OR_RETURN(std::unique_ptr<MailDelivery> mail, MailDelivery::Create(config));
//   options.recovery.mail_queued = [d = mail.get()] { d->Wake(); };
//   mail->Start();  ...  mail->Stop();  // Stop() also in the destructor
#ifndef SERVICES_AUTH_SERVER_MAIL_DELIVERY_H_
#define SERVICES_AUTH_SERVER_MAIL_DELIVERY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "libs/mail/mail_dispatcher.h"
#include "libs/mail/smtp_mail_sender.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/mysql/mail/mysql_mail_outbox.h"
#include "services/auth/server/server_config.h"

namespace auth::service {

class MailDelivery {
 public:
  // For a config with an --smtp_url: reads --smtp_password_file and checks the SMTP settings
  // (kInvalidArgument, kNotFound for an unreadable file); connects to nothing yet. `database`
  // is the pool options the outbox's own one-connection pool copies.
  static absl::StatusOr<std::unique_ptr<MailDelivery>> Create(
      const ServerConfig& config, const mysql::ConnectionPoolOptions& database);
  ~MailDelivery();

  void Start();
  // Sends what is due now rather than at the next poll.
  void Wake();
  void Stop();

 private:
  MailDelivery() = default;

  std::unique_ptr<mail::SmtpMailSender> sender_;
  std::unique_ptr<mysql::ConnectionPool> pool_;
  std::unique_ptr<mysql_repository::MysqlMailOutbox> outbox_;
  std::unique_ptr<mail::MailDispatcher> dispatcher_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SERVER_MAIL_DELIVERY_H_
