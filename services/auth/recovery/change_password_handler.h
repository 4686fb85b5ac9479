// ChangePasswordHandler: the ChangePassword RPC of auth.v1.AccountService. The caller is
// authenticated by its access token (Bearer or the jwt-token cookie, as GetSession) and by its
// current password, which is guessed no faster than at Login: the attempt counts as a login of
// the account from the caller's address, before any hash (AttemptGate).
//
// The steps: validate both passwords and verify the token's signature (gRPC thread); check its
// session is open and count the attempt (database executor); verify the current password and
// hash the new one (hashing executor); then one transaction stores the new hash, ends the
// user's other sessions and refresh-token families (and this one unless keep_this_session) and
// settles the attempt (RefreshTokenRepository::ChangePassword). Nothing is stored unless all of
// it is, so an OK answer means every other session has ended.
//
//   ChangePasswordHandler handler(deps);   // from AuthServiceImpl, served by AccountServiceImpl
//   return handler.Handle(context, request, response);
#ifndef SERVICES_AUTH_RECOVERY_CHANGE_PASSWORD_HANDLER_H_
#define SERVICES_AUTH_RECOVERY_CHANGE_PASSWORD_HANDLER_H_

#include <memory>
#include <string>

#include "api/auth/v1/account.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/hashing/password_hasher.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/token/token.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/access_token.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

class ChangePasswordHandler {
 public:
  // Nothing is owned; everything must outlive the handler and its calls.
  struct Deps {
    repository::UserRepository* users = nullptr;
    repository::SessionRepository* sessions = nullptr;
    repository::RefreshTokenRepository* refresh_tokens = nullptr;
    hashing::PasswordHasher* hasher = nullptr;
    const token::PrehashedTokenVerifier* verifier = nullptr;
    const AttemptGate* gate = nullptr;
    const CallRunner* runner = nullptr;
    audit::AuditLog* audit_log = nullptr;
    SessionCookieNames cookie_names;  // --cookie_prefix
  };

  explicit ChangePasswordHandler(Deps deps);

  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const auth::v1::ChangePasswordRequest* request,
                                   auth::v1::ChangePasswordResponse* response) const;

 private:
  // Database executor: the token's session must be open; the attempt is counted.
  void CheckSessionAndAdmit(std::shared_ptr<UnaryCall> call,
                            const auth::v1::ChangePasswordRequest* request,
                            VerifiedAccessToken token, std::string address) const;
  // Hashing executor: the current password verified, the new one hashed.
  void VerifyAndHash(std::shared_ptr<UnaryCall> call,
                     const auth::v1::ChangePasswordRequest* request, repository::User user,
                     std::string session_jti, std::string address) const;
  // Database executor: the change and the revocations, one transaction.
  void Store(std::shared_ptr<UnaryCall> call, repository::PasswordChange change,
             std::string session_jti, bool keep_this_session, std::string address) const;

  Deps deps_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_RECOVERY_CHANGE_PASSWORD_HANDLER_H_
