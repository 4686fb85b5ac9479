// SmtpMailSender: MailSender over SMTP, through libcurl's SMTP support (Debian's
// libcurl4-openssl-dev). Why libcurl: it is already on every machine of the project (curl is
// in tools/setup.sh), it speaks SMTP, SMTPS and STARTTLS with OpenSSL's certificate
// verification, AUTH (PLAIN, LOGIN, ...), and dot-stuffs the data itself; Debian has no other
// maintained C or C++ SMTP client library (libesmtp is unmaintained upstream, vmime and
// mailutils are large MIME/mailbox suites), and writing SMTP and TLS by hand is what we must not.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<SmtpMailSender> sender,
//                    SmtpMailSender::Create({.url = "smtp://mail.example.org:587",
//                                            .from = "no-reply@example.org",
//                                            .user = "auth", .password = password_from_file}));
//   absl::Status sent = sender->Send({.to = "ada@example.org", .subject = "...", .body = "..."});
//
// Each Send() is one SMTP session (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT): the
// dispatcher sends a few mails a minute, so a kept connection would buy nothing.
//
// Transport security: smtps:// is TLS from the first byte; smtp:// to a server that is not on
// loopback requires STARTTLS (the send fails with kFailedPrecondition if the server does not
// offer it) unless `allow_plaintext` is set; smtp:// to loopback (localhost, 127.0.0.0/8, ::1)
// goes plain, as the local run's mail server does. Certificates are always verified (peer and
// host name), against the system's CAs or `ca_file`.
//
// The mail is plain text (text/plain; charset=utf-8; 8bit) with Date, Message-ID, From, To,
// Subject and MIME headers; a non-ASCII subject is encoded as RFC 2047 (base64). Every mail
// passes ValidateMail() first, so no CR or LF from data reaches a header or an SMTP command.
#ifndef LIBS_MAIL_SMTP_MAIL_SENDER_H_
#define LIBS_MAIL_SMTP_MAIL_SENDER_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/mail/mail.h"
#include "libs/mail/mail_sender.h"

namespace auth::mail {

struct SmtpSettings {
  std::string url = "";          // smtp://host[:port] or smtps://host[:port]
  std::string from = "";         // the sender's address (MAIL FROM and the From header)
  std::string user = "";         // "" for a server that needs no login
  std::string password = "";     // read from a file by the caller; never logged
  std::string ca_file = "";      // "" for the system's CAs
  bool allow_plaintext = false;  // smtp:// to a non-loopback server without STARTTLS
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration timeout = absl::Seconds(30);  // the whole session
};

// Builds the message (headers, blank line, CRLF body) that Send() hands to the server; exposed
// for tests. `mail` must have passed ValidateMail(); `message_id` is "<...@...>".
std::string FormatMessage(const Mail& mail, const std::string& from, absl::Time date,
                          const std::string& message_id);

class SmtpMailSender : public MailSender {
 public:
  // kInvalidArgument for a URL that is not smtp:// or smtps:// with a host, or a `from` that
  // fails ValidateAddress().
  static absl::StatusOr<std::unique_ptr<SmtpMailSender>> Create(SmtpSettings settings);

  absl::Status Send(const Mail& mail) override;

  // Whether the URL's host is loopback (so smtp:// may go plain).
  bool loopback() const { return loopback_; }

 private:
  SmtpMailSender(SmtpSettings settings, bool loopback, std::string domain)
      : settings_(std::move(settings)), loopback_(loopback), domain_(std::move(domain)) {}

  const SmtpSettings settings_;
  const bool loopback_;
  const std::string domain_;  // of `from`, for Message-IDs
};

}  // namespace auth::mail

#endif  // LIBS_MAIL_SMTP_MAIL_SENDER_H_
