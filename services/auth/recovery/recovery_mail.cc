// The recovery mails; see recovery_mail.h.
#include "services/auth/recovery/recovery_mail.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace auth::service {

namespace {

// "30 minutes", "24 hours", "90 seconds": the lifetime as a reader says it.
std::string Spoken(absl::Duration lifetime) {
  const int64_t seconds = absl::ToInt64Seconds(lifetime);
  if (seconds % 3600 == 0) {
    return absl::StrCat(seconds / 3600, seconds == 3600 ? " hour" : " hours");
  }
  if (seconds % 60 == 0) return absl::StrCat(seconds / 60, seconds == 60 ? " minute" : " minutes");
  return absl::StrCat(seconds, " seconds");
}

}  // namespace

std::string PasswordResetLink(absl::string_view public_base_url, absl::string_view token) {
  return absl::StrCat(absl::StripSuffix(public_base_url, "/"), "/reset-password#token=", token);
}

mail::Mail PasswordResetMail(absl::string_view to, absl::string_view public_base_url,
                             absl::string_view token, absl::Duration lifetime) {
  mail::Mail mail;
  mail.to = std::string(to);
  mail.subject = "Reset your password";
  mail.body = absl::StrCat(
      "Someone asked to reset the password of the account with this address.\n\n",
      "To choose a new password, open this link within ", Spoken(lifetime), ":\n\n",
      PasswordResetLink(public_base_url, token), "\n\n",
      "The link works once. Setting a new password signs the account out everywhere.\n\n",
      "If you did not ask for this, ignore this mail: your password stays as it is.\n");
  return mail;
}

std::string EmailVerificationLink(absl::string_view public_base_url, absl::string_view token) {
  return absl::StrCat(absl::StripSuffix(public_base_url, "/"), "/verify-email#token=", token);
}

mail::Mail EmailVerificationMail(absl::string_view to, absl::string_view public_base_url,
                                 absl::string_view token, absl::Duration lifetime) {
  mail::Mail mail;
  mail.to = std::string(to);
  mail.subject = "Confirm your email address";
  mail.body = absl::StrCat(
      "Someone signed up or asked to confirm this address for their account.\n\n",
      "To confirm that it is yours, open this link within ", Spoken(lifetime), ":\n\n",
      EmailVerificationLink(public_base_url, token), "\n\n",
      "If you did not ask for this, ignore this mail: nothing happens without the link.\n");
  return mail;
}

mail::Mail TakenEmailMail(absl::string_view to, absl::string_view public_base_url) {
  mail::Mail mail;
  mail.to = std::string(to);
  mail.subject = "Someone tried to sign up with your address";
  mail.body = absl::StrCat(
      "Someone tried to create an account with this address, which already has one.\n\n",
      "If it was you, sign in instead, or choose a new password if you forgot it:\n\n",
      absl::StripSuffix(public_base_url, "/"), "/#forgot-password\n\n",
      "If it was not you, ignore this mail: nothing was changed.\n");
  return mail;
}

}  // namespace auth::service
