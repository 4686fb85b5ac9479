// VerificationMailer: what Register and Login tell an account's address by mail, implemented
// where mail is (recovery/EmailVerificationHandler). They call it after they have answered, on
// the database executor, so that neither the answer nor its time depends on it.
//
//   if (mailer != nullptr) mailer->MailVerificationLink(id, email, address);
#ifndef SERVICES_AUTH_ACCOUNT_VERIFICATION_MAILER_H_
#define SERVICES_AUTH_ACCOUNT_VERIFICATION_MAILER_H_

#include <cstdint>
#include <string>

namespace auth::service {

class VerificationMailer {
 public:
  virtual ~VerificationMailer() = default;

  // Mail the account's address a verification link: a new account (Register), or a login with
  // the right password that --require_verified_email refused (the caller proved the password,
  // so the link goes to the account's own address, under the account's mail limit). Best
  // effort (failures are audited and logged, never the caller's). Blocks on the database.
  virtual void MailVerificationLink(int64_t user_id, const std::string& email,
                                    const std::string& address) const = 0;

  // Someone at `address` tried to register `email`, which an account has: tell that account
  // (under --conceal_accounts, where Register answers such a try as a success). Best effort.
  // Blocks on the database.
  virtual void RegistrationOfTakenEmail(const std::string& email,
                                        const std::string& address) const = 0;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_ACCOUNT_VERIFICATION_MAILER_H_
