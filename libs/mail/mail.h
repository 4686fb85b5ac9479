// Mail: one plain-text mail as the service sends it (recipient, subject, body), and the check
// every mail passes before it is stored or sent: nothing that came from user data may reach a
// header with a CR or LF in it (header injection), or an SMTP command (RCPT TO).
//
//   Mail mail{.to = user.email, .subject = "Reset your password", .body = text_with_link};
//   if (absl::Status valid = ValidateMail(mail); !valid.ok()) return valid;  // kInvalidArgument
//
// The body carries secret links: it never goes into a log line or a status message.
#ifndef LIBS_MAIL_MAIL_H_
#define LIBS_MAIL_MAIL_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace auth::mail {

struct Mail {
  std::string to;       // one address (addr-spec: local@domain), no display name
  std::string subject;  // one line of UTF-8
  std::string body;     // plain text, UTF-8; LF or CRLF line ends
};

// Limits that keep a mail within what the outbox stores and SMTP servers accept.
inline constexpr size_t kMaxAddressBytes = 254;
inline constexpr size_t kMaxSubjectBytes = 255;
inline constexpr size_t kMaxBodyBytes = 64 * 1024;

// kInvalidArgument unless `address` is one plain addr-spec: 3-254 bytes, exactly one '@' with
// text on both sides, no whitespace, control character, angle bracket, comma, quote or
// parenthesis (each could end the header or the SMTP command it is put into, or add a
// recipient). The message names the rule, never the address.
absl::Status ValidateAddress(absl::string_view address);

// kInvalidArgument unless `mail.to` passes ValidateAddress(), the subject is 1-255 bytes with
// no control character (CR and LF included), and the body is at most 64 KiB with no NUL.
absl::Status ValidateMail(const Mail& mail);

}  // namespace auth::mail

#endif  // LIBS_MAIL_MAIL_H_
