// PasskeyLoginHandler: AuthService's BeginPasskeyLogin and FinishPasskeyLogin, a sign-in with a
// passkey (WebAuthn assertion) in place of the password. A passkey that verified its user
// counts as both factors: the session's amr is ["hwk", "user"].
//
// Begin stores a sign-in ceremony (a random challenge, for the named account or for any) and
// answers the request options; the account named, unknown or without passkeys, the answer has
// the same shape. Finish, on the database executor: counts the attempt against the client
// address (a failure stays counted: AttemptGate::AdmitLogin of an unknown account); spends the
// ceremony, whatever comes next; finds the passkey by its credential id (for a ceremony that
// named an account, it must be that account's; for a discoverable one, the userHandle must be
// its account's); verifies the assertion (libs/webauthn: challenge, origin, rpIdHash, UP, UV,
// signature, signCount); then signs the session (SessionOpener::Issue) and stores it with the
// counter's compare-and-swap (CredentialSpend) in one transaction. A counter that did not
// increase is refused and audited as a possible clone.
#ifndef SERVICES_AUTH_PASSKEY_PASSKEY_LOGIN_HANDLER_H_
#define SERVICES_AUTH_PASSKEY_PASSKEY_LOGIN_HANDLER_H_

#include <memory>
#include <string>

#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/passkey_repository.h"
#include "libs/repository/user_repository.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/passkey/credential_json.h"
#include "services/auth/passkey/passkey_options.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/session_opener.h"

namespace auth::service {

class PasskeyLoginHandler {
 public:
  // Nothing is owned; everything must outlive the handler and its calls. `passkeys` may be
  // null only when options.enabled() is false.
  struct Deps {
    repository::UserRepository* users = nullptr;
    repository::PasskeyRepository* passkeys = nullptr;
    // Counts BeginPasskeyLogin calls per address (options.ceremonies_per_address); null: no
    // limit.
    repository::AttemptLimiter* attempts = nullptr;
    const SessionOpener* opener = nullptr;
    const AttemptGate* gate = nullptr;
    const CallRunner* runner = nullptr;
    audit::AuditLog* audit_log = nullptr;
    PasskeyOptions options;
  };

  explicit PasskeyLoginHandler(Deps deps);

  grpc::ServerUnaryReactor* Begin(grpc::CallbackServerContext* context,
                                  const auth::v1::BeginPasskeyLoginRequest* request,
                                  auth::v1::BeginPasskeyLoginResponse* response) const;
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                   const auth::v1::FinishPasskeyLoginRequest* request,
                                   auth::v1::FinishPasskeyLoginResponse* response) const;

 private:
  // Database executor: the checks and the session.
  void SignIn(const std::shared_ptr<UnaryCall>& call, const std::string& ceremony_id,
              const AuthenticationResponse& assertion, const std::string& address,
              auth::v1::FinishPasskeyLoginResponse* response) const;

  Deps deps_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_PASSKEY_PASSKEY_LOGIN_HANDLER_H_
