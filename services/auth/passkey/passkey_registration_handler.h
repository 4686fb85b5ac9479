// PasskeyRegistrationHandler: the passkey RPCs of auth.v1.CredentialService, for a signed-in
// user (Bearer or the jwt-token cookie, as GetSession; recovery/session_owner.h):
// BeginPasskeyRegistration, FinishPasskeyRegistration, ListPasskeys and DeletePasskey.
//
// Adding or removing a passkey asks for the password, guessed no faster than at Login: the
// attempt counts as a login of the account from the caller's address before the hash
// (AttemptGate), and a wrong one stays counted. (DeletePasskey needs it only for the account's
// last passkey; given, it is checked all the same.)
//
// The steps of Begin: validate and verify the token (gRPC thread); the session and the
// attempt (database executor); the password (hashing executor); then the user handle, the
// account's passkeys for excludeCredentials and the ceremony (database executor). Finish
// spends the ceremony first (a registration answer is tried once), then verifies it
// (libs/webauthn) and stores the passkey.
//
//   PasskeyRegistrationHandler handler(deps);  // owned by AuthServiceImpl
//   return handler.Begin(context, request, response);
#ifndef SERVICES_AUTH_PASSKEY_PASSKEY_REGISTRATION_HANDLER_H_
#define SERVICES_AUTH_PASSKEY_PASSKEY_REGISTRATION_HANDLER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/hashing/password_hasher.h"
#include "libs/repository/passkey_repository.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/token/token.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/passkey/passkey_options.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/access_token.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

class PasskeyRegistrationHandler {
 public:
  // Nothing is owned; everything must outlive the handler and its calls. `passkeys` may be
  // null only when options.enabled() is false.
  struct Deps {
    repository::UserRepository* users = nullptr;
    repository::SessionRepository* sessions = nullptr;
    repository::PasskeyRepository* passkeys = nullptr;
    hashing::PasswordHasher* hasher = nullptr;
    const token::PrehashedTokenVerifier* verifier = nullptr;
    const AttemptGate* gate = nullptr;
    const CallRunner* runner = nullptr;
    audit::AuditLog* audit_log = nullptr;
    SessionCookieNames cookie_names;  // --cookie_prefix
    PasskeyOptions options;
  };

  explicit PasskeyRegistrationHandler(Deps deps);

  grpc::ServerUnaryReactor* Begin(grpc::CallbackServerContext* context,
                                  const auth::v1::BeginPasskeyRegistrationRequest* request,
                                  auth::v1::BeginPasskeyRegistrationResponse* response) const;
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                   const auth::v1::FinishPasskeyRegistrationRequest* request,
                                   auth::v1::FinishPasskeyRegistrationResponse* response) const;
  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* context,
                                 const auth::v1::ListPasskeysRequest* request,
                                 auth::v1::ListPasskeysResponse* response) const;
  grpc::ServerUnaryReactor* Delete(grpc::CallbackServerContext* context,
                                   const auth::v1::DeletePasskeyRequest* request,
                                   auth::v1::DeletePasskeyResponse* response) const;

 private:
  // What runs once the password checked out (database executor).
  using AfterPassword = std::function<void(const repository::User& user)>;
  // Who called: the session's user, its jti, the client address (a ClientAddress() key).
  struct Caller {
    repository::User user;
    std::string session_jti;
    std::string address;
  };

  // gRPC thread: passkeys configured, `valid` OK, a verified token; then, on the database
  // executor, `then` with the session's user. Else the call is finished.
  void WithSessionUser(const std::shared_ptr<UnaryCall>& call, const absl::Status& valid,
                       std::function<void(const Caller& caller)> then) const;
  // Database executor: the attempt counted, the password verified (hashing executor), then
  // `then` on the database executor with the attempt settled.
  void CheckPassword(const std::shared_ptr<UnaryCall>& call, const Caller& caller,
                     const std::string& password_hash, AfterPassword then) const;
  void StartCeremony(const std::shared_ptr<UnaryCall>& call, const repository::User& user,
                     auth::v1::BeginPasskeyRegistrationResponse* response) const;
  void StorePasskey(const std::shared_ptr<UnaryCall>& call, const Caller& caller,
                    const auth::v1::FinishPasskeyRegistrationRequest* request,
                    auth::v1::FinishPasskeyRegistrationResponse* response) const;
  void Remove(const std::shared_ptr<UnaryCall>& call, const Caller& caller,
              const std::string& passkey_id, bool password_checked) const;

  Deps deps_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_PASSKEY_PASSKEY_REGISTRATION_HANDLER_H_
