// The mails of account recovery: plain text from templates compiled into the binary. Nothing
// the user typed goes into a header but the recipient address, which mail::ValidateMail()
// checks (no CR, LF or anything that could end a header or an SMTP command); the link is built
// from --public_base_url, never from the request.
//
//   mail::Mail mail = PasswordResetMail(user.email, "https://auth.example", token, 30min);
//   mail::Mail mail = EmailVerificationMail(user.email, "https://auth.example", token, 24h);
#ifndef SERVICES_AUTH_RECOVERY_RECOVERY_MAIL_H_
#define SERVICES_AUTH_RECOVERY_RECOVERY_MAIL_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/mail/mail.h"

namespace auth::service {

// `<public_base_url>/reset-password#token=<token>`: in the fragment, which browsers never
// send to a server, so the token stays out of access logs and Referer headers.
std::string PasswordResetLink(absl::string_view public_base_url, absl::string_view token);

// The mail with the reset link, saying how long it works and what to do if the reader did not
// ask for it.
mail::Mail PasswordResetMail(absl::string_view to, absl::string_view public_base_url,
                             absl::string_view token, absl::Duration lifetime);

// `<public_base_url>/verify-email#token=<token>`, in the fragment for the same reason.
std::string EmailVerificationLink(absl::string_view public_base_url, absl::string_view token);

// The mail with the verification link.
mail::Mail EmailVerificationMail(absl::string_view to, absl::string_view public_base_url,
                                 absl::string_view token, absl::Duration lifetime);

// The mail to the owner of an email someone tried to register again (--conceal_accounts):
// what happened, and the way back in if it was them (sign in, or reset the password).
mail::Mail TakenEmailMail(absl::string_view to, absl::string_view public_base_url);

}  // namespace auth::service

#endif  // SERVICES_AUTH_RECOVERY_RECOVERY_MAIL_H_
