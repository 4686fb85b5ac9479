// MailDelivery; see mail_delivery.h.
#include "services/auth/server/mail_delivery.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/strip.h"

namespace auth::service {

absl::StatusOr<std::unique_ptr<MailDelivery>> MailDelivery::Create(
    const ServerConfig& config, const mysql::ConnectionPoolOptions& database) {
  mail::SmtpSettings settings = config.smtp;
  if (!config.smtp_password_file.empty()) {
    absl::StatusOr<std::string> password = ReadConfigFile(config.smtp_password_file);
    if (!password.ok()) return WithWhat("--smtp_password_file", password.status());
    settings.password = std::string(absl::StripTrailingAsciiWhitespace(*password));
  }
  absl::StatusOr<std::unique_ptr<mail::SmtpMailSender>> sender =
      mail::SmtpMailSender::Create(std::move(settings));
  if (!sender.ok()) return WithWhat("--smtp_url", sender.status());
  auto delivery = std::unique_ptr<MailDelivery>(new MailDelivery());
  delivery->sender_ = *std::move(sender);
  mysql::ConnectionPoolOptions own = database;
  own.size = 1;
  delivery->pool_ = std::make_unique<mysql::ConnectionPool>(own);
  delivery->outbox_ = std::make_unique<mysql_repository::MysqlMailOutbox>(*delivery->pool_);
  mail::MailDispatcherOptions options;
  options.initial_backoff = config.mail_retry_backoff;
  delivery->dispatcher_ =
      std::make_unique<mail::MailDispatcher>(*delivery->outbox_, *delivery->sender_, options);
  return delivery;
}

MailDelivery::~MailDelivery() { Stop(); }

void MailDelivery::Start() { dispatcher_->Start(); }

void MailDelivery::Wake() { dispatcher_->Wake(); }

void MailDelivery::Stop() { dispatcher_->Stop(); }

}  // namespace auth::service
