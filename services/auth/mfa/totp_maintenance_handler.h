// TotpMaintenanceHandler: CredentialService's DisableTotp and RegenerateRecoveryCodes, for an
// account whose TOTP is on. The caller is signed in (totp_common.h's RunSignedIn); every
// password or code it sends counts as a login attempt of its account before it is checked.
//
// Disable: the password (hashing executor) and a current TOTP code or an unused recovery code;
// then one transaction spends that code (a replay changes nothing) and deletes the secret and
// the recovery codes. Regenerate: a current TOTP code; then one transaction spends its step and
// replaces the recovery codes, answered once.
//
//   TotpMaintenanceHandler handler(deps);   // from AuthServiceImpl
//   return handler.Disable(context, request, response);
#ifndef SERVICES_AUTH_MFA_TOTP_MAINTENANCE_HANDLER_H_
#define SERVICES_AUTH_MFA_TOTP_MAINTENANCE_HANDLER_H_

#include <memory>

#include "api/auth/v1/credential.grpc.pb.h"
#include "libs/repository/second_factor_repository.h"
#include "services/auth/mfa/totp_common.h"
#include "services/auth/rpc/unary_call.h"

namespace auth::service {

class TotpMaintenanceHandler {
 public:
  explicit TotpMaintenanceHandler(TotpDeps deps);

  grpc::ServerUnaryReactor* Disable(grpc::CallbackServerContext* context,
                                    const auth::v1::DisableTotpRequest* request,
                                    auth::v1::DisableTotpResponse* response) const;

  grpc::ServerUnaryReactor* Regenerate(grpc::CallbackServerContext* context,
                                       const auth::v1::RegenerateRecoveryCodesRequest* request,
                                       auth::v1::RegenerateRecoveryCodesResponse* response) const;

 private:
  // Hashing executor: the password; then the code, and the deletion on the database executor.
  void VerifyAndDisable(std::shared_ptr<UnaryCall> call,
                        const auth::v1::DisableTotpRequest* request, TotpCaller caller,
                        repository::TotpState state) const;

  TotpDeps deps_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_MFA_TOTP_MAINTENANCE_HANDLER_H_
