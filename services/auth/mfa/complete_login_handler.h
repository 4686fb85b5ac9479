// CompleteLoginHandler: AuthService.CompleteLogin, the second step of a Login that answered
// second_factor_required. The ticket (from the body, else over HTTP from the `mfa-ticket`
// cookie) names the account; the code is counted as a login attempt of that account before it
// is checked (AttemptGate: Login's --login_failures_per_account counter, which the password
// step never resets), then checked: a TOTP code against the secret (±1 step, only steps above
// the last one used), a recovery code by the conditional UPDATE that spends it. The session is
// stored (SessionOpener, amr ["pwd", "otp"]) in one transaction with the ticket, the step or the
// recovery code spent, so of two calls with one ticket or one code at most one signs in. A wrong
// code counts on the ticket too: the fifth burns it.
//
//   CompleteLoginHandler handler(deps, &opener);   // from AuthServiceImpl
//   return handler.Handle(context, request, response);
#ifndef SERVICES_AUTH_MFA_COMPLETE_LOGIN_HANDLER_H_
#define SERVICES_AUTH_MFA_COMPLETE_LOGIN_HANDLER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/repository/refresh_token_repository.h"
#include "services/auth/abuse/device_cookie.h"
#include "services/auth/mfa/totp_common.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/session_opener.h"

namespace auth::service {

class CompleteLoginHandler {
 public:
  // `sessions` and `devices` are not owned and must outlive the handler. Of `deps`, users,
  // sessions, hasher and verifier are not used (may be null). `devices`: a successful sign-in
  // gets a device cookie as Login's does (when the gate trusts devices); null: none.
  CompleteLoginHandler(TotpDeps deps, const SessionOpener* sessions,
                       const DeviceCookies* devices = nullptr);

  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const auth::v1::CompleteLoginRequest* request,
                                   auth::v1::CompleteLoginResponse* response) const;

 private:
  // Database executor: a wrong code counted on the ticket (and audited); UNAUTHENTICATED.
  void RefuseCode(UnaryCall& call, const std::string& ticket_digest, int64_t user_id,
                  const std::string& address, const std::string& reason) const;

  TotpDeps deps_;
  const SessionOpener* sessions_;
  const DeviceCookies* devices_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_MFA_COMPLETE_LOGIN_HANDLER_H_
