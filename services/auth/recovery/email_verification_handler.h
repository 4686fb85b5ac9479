// EmailVerificationHandler: the SendEmailVerification and VerifyEmail RPCs of
// auth.v1.AccountService, with which a user proves that the account's address is theirs.
//
// SendEmailVerification is called signed in (the access token, as ChangePassword): it checks the
// session (database executor), and unless the address is verified already and within the mail
// limits, stores a verification token bound to the address and queues its mail in one
// transaction (AccountTokenRepository::Issue, which voids the older links). It always answers
// OK, so the limits tell nothing.
//
// VerifyEmail needs no session (the link may be opened in another browser): it checks the
// token's form (gRPC thread), counts the try against the client address, then spends the token
// and marks the address verified in one transaction (AccountTokenRepository::VerifyEmail).
//
//   EmailVerificationHandler handler(deps, options);   // owned by AuthServiceImpl
//   return handler.Send(context, request, response);
#ifndef SERVICES_AUTH_RECOVERY_EMAIL_VERIFICATION_HANDLER_H_
#define SERVICES_AUTH_RECOVERY_EMAIL_VERIFICATION_HANDLER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "api/auth/v1/account.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/repository/account_token_repository.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/mail_outbox.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/token/token.h"
#include "services/auth/account/verification_mailer.h"
#include "services/auth/recovery/password_reset_handler.h"
#include "services/auth/recovery/recovery_limits.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/access_token.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

// Also the VerificationMailer of Register: a new account gets its verification link without
// asking, and (--conceal_accounts) the owner of a taken email hears of the try.
class EmailVerificationHandler : public VerificationMailer {
 public:
  // Nothing is owned; everything must outlive the handler and its calls.
  struct Deps {
    repository::UserRepository* users = nullptr;
    repository::SessionRepository* sessions = nullptr;
    repository::AccountTokenRepository* account_tokens = nullptr;  // null: no mail, no links
    repository::AttemptLimiter* attempts = nullptr;                // null: no limits
    repository::MailOutbox* outbox = nullptr;  // for mails without a link; null: none sent
    const token::PrehashedTokenVerifier* verifier = nullptr;
    const CallRunner* runner = nullptr;
    audit::AuditLog* audit_log = nullptr;
    SessionCookieNames cookie_names;  // --cookie_prefix
  };

  // `options`: the same as PasswordResetHandler's (mail, base URL, limits); the link's
  // lifetime is options.email_verification_token_lifetime.
  EmailVerificationHandler(Deps deps, RecoveryOptions options);

  grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* context,
                                 const auth::v1::SendEmailVerificationRequest* request,
                                 auth::v1::SendEmailVerificationResponse* response) const;

  grpc::ServerUnaryReactor* Verify(grpc::CallbackServerContext* context,
                                   const auth::v1::VerifyEmailRequest* request,
                                   auth::v1::VerifyEmailResponse* response) const;

  void MailVerificationLink(int64_t user_id, const std::string& email,
                            const std::string& address) const override;
  void RegistrationOfTakenEmail(const std::string& email,
                                const std::string& address) const override;

 private:
  // The mail limits, the token and its mail, for `user_id`'s `email`; what happened, for the
  // audit log ("mail_queued", "mail_limit", ...). Blocks on the database.
  std::string QueueVerificationMail(int64_t user_id, const std::string& email) const;

  // Database executor: the session's user, the limits, the token and its mail.
  void IssueVerificationMail(std::shared_ptr<UnaryCall> call, VerifiedAccessToken token,
                             std::string address) const;

  Deps deps_;
  RecoveryOptions options_;
  RecoveryLimits limits_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_RECOVERY_EMAIL_VERIFICATION_HANDLER_H_
