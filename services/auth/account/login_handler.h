// LoginHandler: the Login RPC, the password step. Looks the account up and counts the attempt
// (database executor), verifies the password and, when its parameters are outdated, rehashes it
// (hashing executor), then opens a session through the SessionIssuer and stores it with the
// attempt counters' settlement in one transaction (database executor). Answers the tokens in
// the response and as `set-cookie` metadata (session/session_cookies.h).
//
//   LoginHandler handler(deps, sessions);   // from AuthServiceImpl
//   return handler.Handle(context, request, response);
#ifndef SERVICES_AUTH_ACCOUNT_LOGIN_HANDLER_H_
#define SERVICES_AUTH_ACCOUNT_LOGIN_HANDLER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/hashing/password_hasher.h"
#include "libs/repository/second_factor_repository.h"
#include "libs/repository/user_repository.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/abuse/device_cookie.h"
#include "services/auth/account/verification_mailer.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/session_opener.h"

namespace auth::service {

class LoginHandler {
 public:
  // Nothing is owned; everything must outlive the handler and its calls.
  struct Deps {
    repository::UserRepository* users = nullptr;
    hashing::PasswordHasher* hasher = nullptr;
    const AttemptGate* gate = nullptr;
    const SessionOpener* sessions = nullptr;
    const CallRunner* runner = nullptr;
    audit::AuditLog* audit_log = nullptr;
    // Reads and issues device cookies (when the gate trusts devices); null: none.
    const DeviceCookies* devices = nullptr;
    // Answer an unknown account exactly as a wrong password, after verifying the password
    // against a dummy hash made at construction, so that neither the answer nor its time tells
    // whether the account exists (--conceal_accounts).
    bool conceal_accounts = false;
    // Refuse, once the password checks out, an account whose email address is not verified
    // (FAILED_PRECONDITION), so nobody signs in to an address they never proved
    // (--require_verified_email).
    bool require_verified_email = false;
    // Mails such a refused account a fresh verification link after the answer; null: none.
    const VerificationMailer* mailer = nullptr;
    // Where MFA tickets are stored: the right password of an account with a confirmed TOTP
    // (User::totp_enabled) answers second_factor_required and a ticket instead of a session.
    // Null: no second factor is asked (a service without TOTP).
    repository::SecondFactorRepository* second_factors = nullptr;
  };

  // With `conceal_accounts`, hashes a random password once (the dummy hash).
  explicit LoginHandler(Deps deps);

  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const auth::v1::LoginRequest* request,
                                   auth::v1::LoginResponse* response) const;

 private:
  void VerifyPassword(std::shared_ptr<UnaryCall> call, const auth::v1::LoginRequest* request,
                      auth::v1::LoginResponse* response, repository::User user,
                      LoginAttempt attempt) const;
  // --conceal_accounts: verifies the password against the dummy hash, then answers as a wrong
  // password does.
  void RefuseUnknownAccount(std::shared_ptr<UnaryCall> call,
                            const auth::v1::LoginRequest* request) const;
  // --require_verified_email refused a right password: FAILED_PRECONDITION, then (database
  // executor, after the answer) the attempt settled and a fresh link mailed.
  void RefuseUnverified(const std::shared_ptr<UnaryCall>& call, const repository::User& user,
                        const LoginAttempt& attempt) const;
  // The account has a second factor (database executor): a ticket, no session.
  void IssueMfaTicket(std::shared_ptr<UnaryCall> call, auth::v1::LoginResponse* response,
                      int64_t user_id, std::optional<std::string> upgraded_hash,
                      LoginAttempt attempt) const;
  void OpenSession(std::shared_ptr<UnaryCall> call, auth::v1::LoginResponse* response,
                   int64_t user_id, std::optional<std::string> upgraded_hash,
                   LoginAttempt attempt) const;

  Deps deps_;
  std::string dummy_hash_;  // with conceal_accounts only
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_ACCOUNT_LOGIN_HANDLER_H_
