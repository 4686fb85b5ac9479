// CredentialServiceImpl: auth.v1.CredentialService (api/auth/v1/credential.proto), the second
// factors and passkeys a signed-in user manages. It forwards each RPC to its handler (mfa/ for
// TOTP, passkey/ for passkeys), owned by the AuthServiceImpl beside it; an RPC whose handler has
// not landed yet is answered UNIMPLEMENTED by gRPC's generated base class.
#ifndef SERVICES_AUTH_CREDENTIAL_SERVICE_H_
#define SERVICES_AUTH_CREDENTIAL_SERVICE_H_

#include "api/auth/v1/credential.grpc.pb.h"
#include "services/auth/mfa/totp_enrollment_handler.h"
#include "services/auth/mfa/totp_maintenance_handler.h"
#include "services/auth/passkey/passkey_registration_handler.h"

namespace auth::service {

class CredentialServiceImpl final : public auth::v1::CredentialService::CallbackService {
 public:
  // The TOTP handlers (null, both: the service has no second-factor storage, and the TOTP
  // RPCs answer FAILED_PRECONDITION), and the passkeys'.
  CredentialServiceImpl(const TotpEnrollmentHandler* totp_enrollment,
                        const TotpMaintenanceHandler* totp_maintenance,
                        const PasskeyRegistrationHandler* passkeys)
      : totp_enrollment_(totp_enrollment),
        totp_maintenance_(totp_maintenance),
        passkeys_(passkeys) {}

  grpc::ServerUnaryReactor* BeginTotpEnrollment(
      grpc::CallbackServerContext* context, const auth::v1::BeginTotpEnrollmentRequest* request,
      auth::v1::BeginTotpEnrollmentResponse* response) override;
  grpc::ServerUnaryReactor* ConfirmTotpEnrollment(
      grpc::CallbackServerContext* context, const auth::v1::ConfirmTotpEnrollmentRequest* request,
      auth::v1::ConfirmTotpEnrollmentResponse* response) override;
  grpc::ServerUnaryReactor* DisableTotp(grpc::CallbackServerContext* context,
                                        const auth::v1::DisableTotpRequest* request,
                                        auth::v1::DisableTotpResponse* response) override;
  grpc::ServerUnaryReactor* RegenerateRecoveryCodes(
      grpc::CallbackServerContext* context, const auth::v1::RegenerateRecoveryCodesRequest* request,
      auth::v1::RegenerateRecoveryCodesResponse* response) override;

  // Passkeys (passkey/passkey_registration_handler.h).
  grpc::ServerUnaryReactor* BeginPasskeyRegistration(
      grpc::CallbackServerContext* context,
      const auth::v1::BeginPasskeyRegistrationRequest* request,
      auth::v1::BeginPasskeyRegistrationResponse* response) override {
    return passkeys_->Begin(context, request, response);
  }
  grpc::ServerUnaryReactor* FinishPasskeyRegistration(
      grpc::CallbackServerContext* context,
      const auth::v1::FinishPasskeyRegistrationRequest* request,
      auth::v1::FinishPasskeyRegistrationResponse* response) override {
    return passkeys_->Finish(context, request, response);
  }
  grpc::ServerUnaryReactor* ListPasskeys(grpc::CallbackServerContext* context,
                                         const auth::v1::ListPasskeysRequest* request,
                                         auth::v1::ListPasskeysResponse* response) override {
    return passkeys_->List(context, request, response);
  }
  grpc::ServerUnaryReactor* DeletePasskey(grpc::CallbackServerContext* context,
                                          const auth::v1::DeletePasskeyRequest* request,
                                          auth::v1::DeletePasskeyResponse* response) override {
    return passkeys_->Delete(context, request, response);
  }

 private:
  const TotpEnrollmentHandler* totp_enrollment_;
  const TotpMaintenanceHandler* totp_maintenance_;
  const PasskeyRegistrationHandler* passkeys_;
};

// A call answered FAILED_PRECONDITION "TOTP is not configured" at once (no handler to run it).
grpc::ServerUnaryReactor* TotpUnavailable(grpc::CallbackServerContext* context);

}  // namespace auth::service

#endif  // SERVICES_AUTH_CREDENTIAL_SERVICE_H_
