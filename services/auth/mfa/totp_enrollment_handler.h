// TotpEnrollmentHandler: CredentialService's BeginTotpEnrollment and ConfirmTotpEnrollment.
// The caller is signed in (Bearer or the jwt-token cookie, its session open: totp_common.h's
// RunSignedIn); each password or code it sends counts as a login attempt of its account
// (AttemptGate) before it is checked.
//
// Begin: the password (hashing executor), then a new 160-bit secret sealed for the account
// (--totp_secret_key_file) and stored as its pending secret (replacing any earlier one), and
// answered as an otpauth URI, base32 text and an SVG QR code. Confirm: the code against the
// pending secret, then, in one transaction, the secret confirmed with that code's step spent
// (the confirmation code never signs in) and ten recovery codes stored as digests, answered once.
//
//   TotpEnrollmentHandler handler(deps);   // from AuthServiceImpl, served by CredentialServiceImpl
//   return handler.Begin(context, request, response);
#ifndef SERVICES_AUTH_MFA_TOTP_ENROLLMENT_HANDLER_H_
#define SERVICES_AUTH_MFA_TOTP_ENROLLMENT_HANDLER_H_

#include <memory>

#include "api/auth/v1/credential.grpc.pb.h"
#include "services/auth/mfa/totp_common.h"
#include "services/auth/rpc/unary_call.h"

namespace auth::service {

class TotpEnrollmentHandler {
 public:
  explicit TotpEnrollmentHandler(TotpDeps deps);

  grpc::ServerUnaryReactor* Begin(grpc::CallbackServerContext* context,
                                  const auth::v1::BeginTotpEnrollmentRequest* request,
                                  auth::v1::BeginTotpEnrollmentResponse* response) const;

  grpc::ServerUnaryReactor* Confirm(grpc::CallbackServerContext* context,
                                    const auth::v1::ConfirmTotpEnrollmentRequest* request,
                                    auth::v1::ConfirmTotpEnrollmentResponse* response) const;

 private:
  // Hashing executor: the password, then the secret, its URI and QR code.
  void VerifyAndMakeSecret(std::shared_ptr<UnaryCall> call,
                           const auth::v1::BeginTotpEnrollmentRequest* request,
                           auth::v1::BeginTotpEnrollmentResponse* response,
                           TotpCaller caller) const;

  TotpDeps deps_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_MFA_TOTP_ENROLLMENT_HANDLER_H_
