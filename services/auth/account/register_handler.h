// RegisterHandler: the Register RPC. Validates the request (on the gRPC thread), counts the
// attempt against the caller's address (database executor), hashes the password (hashing
// executor) and creates the account (database executor). After the answer, the mailer (when
// mail is configured) mails the new address a verification link.
//
//   RegisterHandler handler({.users = &users, .hasher = &hasher, .gate = &gate,
//                            .runner = &runner, .audit_log = &audit_log});
//   return handler.Handle(context, request, response);   // from AuthServiceImpl::Register
#ifndef SERVICES_AUTH_ACCOUNT_REGISTER_HANDLER_H_
#define SERVICES_AUTH_ACCOUNT_REGISTER_HANDLER_H_

#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/hashing/password_hasher.h"
#include "libs/repository/user_repository.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/account/verification_mailer.h"
#include "services/auth/rpc/call_runner.h"

namespace auth::service {

inline constexpr char kRegisteredMessage[] = "User registered successfully";
inline constexpr int kRegisteredStatus = 201;

class RegisterHandler {
 public:
  // Nothing is owned; everything must outlive the handler and its calls.
  struct Deps {
    repository::UserRepository* users = nullptr;
    hashing::PasswordHasher* hasher = nullptr;
    const AttemptGate* gate = nullptr;
    const CallRunner* runner = nullptr;
    audit::AuditLog* audit_log = nullptr;
    // Mails a new account its verification link, and (with conceal_accounts) the owner of a
    // taken email about the try; null: no mail is configured, nothing is mailed.
    const VerificationMailer* mailer = nullptr;
    // --conceal_accounts: with a mailer, a taken email is answered as a success and its
    // owner told by mail, so that Register does not tell whether an address has an account.
    bool conceal_accounts = false;
  };

  explicit RegisterHandler(Deps deps);

  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const auth::v1::RegisterRequest* request,
                                   auth::v1::RegisterResponse* response) const;

 private:
  Deps deps_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_ACCOUNT_REGISTER_HANDLER_H_
