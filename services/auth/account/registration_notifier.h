// RegistrationNotifier: what Register tells an address by mail, implemented where mail is
// (recovery/EmailVerificationHandler); Register calls it after it has answered, on the
// database executor, so that neither the answer nor its time depends on it.
//
//   if (notifier != nullptr) notifier->AccountCreated(id, email, address);
#ifndef SERVICES_AUTH_ACCOUNT_REGISTRATION_NOTIFIER_H_
#define SERVICES_AUTH_ACCOUNT_REGISTRATION_NOTIFIER_H_

#include <cstdint>
#include <string>

namespace auth::service {

class RegistrationNotifier {
 public:
  virtual ~RegistrationNotifier() = default;

  // A new account: mail its address a verification link. Best effort (failures are audited
  // and logged, never the caller's). Blocks on the database.
  virtual void AccountCreated(int64_t user_id, const std::string& email,
                              const std::string& address) const = 0;

  // Someone at `address` tried to register `email`, which an account has: tell that account
  // (under --conceal_accounts, where Register answers such a try as a success). Best effort.
  // Blocks on the database.
  virtual void RegistrationOfTakenEmail(const std::string& email,
                                        const std::string& address) const = 0;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_ACCOUNT_REGISTRATION_NOTIFIER_H_
