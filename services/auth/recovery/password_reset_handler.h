// PasswordResetHandler: the RequestPasswordReset and ResetPassword RPCs of
// auth.v1.AccountService, for a user who forgot the password.
//
// RequestPasswordReset answers OK at once, before anything is looked up, so that neither its
// status, its body nor its time tells whether an account has the address (the enumeration a
// reset answer that waits for the lookup or the mail server gives away). The rest runs after
// the answer, on the database executor: the address limit, the lookup, the account's and the
// service's mail limits, then one transaction voids the older links, stores the new token's
// digest and queues the mail (AccountTokenRepository::Issue). The MailDispatcher sends it.
//
// ResetPassword checks the new password and the token's form (gRPC thread), counts the try
// against the client address and finds the live token (database executor), hashes the
// password (hashing executor), then spends the token, stores the hash and ends every session
// of the user in one transaction (AccountTokenRepository::ResetPassword).
//
//   PasswordResetHandler handler(deps, options);   // owned by AuthServiceImpl
//   return handler.Request(context, request, response);
#ifndef SERVICES_AUTH_RECOVERY_PASSWORD_RESET_HANDLER_H_
#define SERVICES_AUTH_RECOVERY_PASSWORD_RESET_HANDLER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/auth/v1/account.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/hashing/password_hasher.h"
#include "libs/mail/mail.h"
#include "libs/repository/account_token_repository.h"
#include "libs/repository/user_repository.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/recovery/recovery_limits.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

// How recovery mails are made; from the server's flags.
struct RecoveryOptions {
  // Whether a mail server is configured (--smtp_url): without one, the RPCs that mail answer
  // FAILED_PRECONDITION rather than pretend.
  bool mail_configured = false;
  // --public_base_url: where the links point (never the request's Host).
  std::string public_base_url;
  absl::Duration password_reset_token_lifetime = absl::Minutes(30);
  absl::Duration email_verification_token_lifetime = absl::Hours(24);
  RecoveryLimitsConfig limits;
  // Called after a mail was queued (the server wakes its MailDispatcher, which otherwise looks
  // every few seconds); may be empty.
  std::function<void()> mail_queued;
};

// The answer of the RPCs that mail when no mail server is configured.
inline constexpr char kMailNotConfiguredMessage[] =
    "mail is not configured on this server (--smtp_url): no link can be sent";

// kInvalidArgument unless `token` is what a mailed link carries: 43 base64url characters.
absl::Status ValidateLinkToken(absl::string_view token);

// A mail around a link's token, as recovery_mail.h builds them (PasswordResetMail,
// EmailVerificationMail).
using LinkMailBuilder = mail::Mail (*)(absl::string_view to, absl::string_view public_base_url,
                                       absl::string_view token, absl::Duration lifetime);

// The mailing of a link, shared by the reset and verification handlers: the account's and the
// service's mail limits, then a fresh token of `purpose` for `user_id`'s `email`, valid
// `lifetime`, stored with the mail `build_mail` makes around it (one transaction:
// AccountTokenRepository::Issue, which voids the older links), then options.mail_queued. Returns
// what happened, for the audit log: "mail_queued", "mail_limit", "limiter_failed",
// "internal_error", "unmailable_address" or "store_failed". Blocks on the database.
std::string QueueLinkMail(const RecoveryLimits& limits,
                          repository::AccountTokenRepository& account_tokens,
                          const RecoveryOptions& options, repository::AccountTokenPurpose purpose,
                          int64_t user_id, const std::string& email, absl::Duration lifetime,
                          LinkMailBuilder build_mail);

// The admission of a ResetPassword or VerifyEmail try from `address` (RecoveryLimits::
// AdmitTokenTry): true to go on. Otherwise `refused` is audited ("abuse_limit" or
// "limiter_failed") and `call` finished as PassedAdmission() does (retry-after included).
bool PassedTokenTry(UnaryCall& call, const RecoveryLimits& limits, audit::AuditLog& audit_log,
                    audit::AuditEventType refused, const std::string& address);

class PasswordResetHandler {
 public:
  // Nothing is owned; everything must outlive the handler and its calls (and the work it
  // leaves on the database executor after answering: shut the executor down first).
  struct Deps {
    repository::UserRepository* users = nullptr;
    repository::AccountTokenRepository* account_tokens = nullptr;  // null: no mail, no reset
    repository::AttemptLimiter* attempts = nullptr;                // null: no limits
    hashing::PasswordHasher* hasher = nullptr;
    const AttemptGate* gate = nullptr;
    const CallRunner* runner = nullptr;
    audit::AuditLog* audit_log = nullptr;
    SessionCookieNames cookie_names;  // --cookie_prefix
  };

  PasswordResetHandler(Deps deps, RecoveryOptions options);

  grpc::ServerUnaryReactor* Request(grpc::CallbackServerContext* context,
                                    const auth::v1::RequestPasswordResetRequest* request,
                                    auth::v1::RequestPasswordResetResponse* response) const;

  grpc::ServerUnaryReactor* Reset(grpc::CallbackServerContext* context,
                                  const auth::v1::ResetPasswordRequest* request,
                                  auth::v1::ResetPasswordResponse* response) const;

 private:
  // Who asked for a reset: an email (normalised) or a phone number.
  struct Identity {
    bool is_email = true;
    std::string value;
  };

  // Database executor, after the answer: the limits, the lookup, the token and its mail.
  void IssueResetMail(const Identity& identity, const std::string& address) const;

  // ResetPassword's steps: the live token (database), the hash (hashing), the reset (database).
  void FindToken(std::shared_ptr<UnaryCall> call, const auth::v1::ResetPasswordRequest* request,
                 std::string token_hash, std::string address) const;
  void Hash(std::shared_ptr<UnaryCall> call, const auth::v1::ResetPasswordRequest* request,
            std::string token_hash, int64_t user_id, std::string address) const;
  void Store(std::shared_ptr<UnaryCall> call, repository::PasswordReset reset,
             std::string address) const;

  Deps deps_;
  RecoveryOptions options_;
  RecoveryLimits limits_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_RECOVERY_PASSWORD_RESET_HANDLER_H_
