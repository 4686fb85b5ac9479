// CredentialServiceImpl: forwarding to the handlers; see credential_service.h.
#include "services/auth/credential_service.h"

#include "grpcpp/grpcpp.h"
#include "services/auth/mfa/totp_common.h"

namespace auth::service {

grpc::ServerUnaryReactor* TotpUnavailable(grpc::CallbackServerContext* context) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, kTotpNotConfiguredMessage));
  return reactor;
}

grpc::ServerUnaryReactor* CredentialServiceImpl::BeginTotpEnrollment(
    grpc::CallbackServerContext* context, const auth::v1::BeginTotpEnrollmentRequest* request,
    auth::v1::BeginTotpEnrollmentResponse* response) {
  if (totp_enrollment_ == nullptr) return TotpUnavailable(context);
  return totp_enrollment_->Begin(context, request, response);
}

grpc::ServerUnaryReactor* CredentialServiceImpl::ConfirmTotpEnrollment(
    grpc::CallbackServerContext* context, const auth::v1::ConfirmTotpEnrollmentRequest* request,
    auth::v1::ConfirmTotpEnrollmentResponse* response) {
  if (totp_enrollment_ == nullptr) return TotpUnavailable(context);
  return totp_enrollment_->Confirm(context, request, response);
}

grpc::ServerUnaryReactor* CredentialServiceImpl::DisableTotp(
    grpc::CallbackServerContext* context, const auth::v1::DisableTotpRequest* request,
    auth::v1::DisableTotpResponse* response) {
  if (totp_maintenance_ == nullptr) return TotpUnavailable(context);
  return totp_maintenance_->Disable(context, request, response);
}

grpc::ServerUnaryReactor* CredentialServiceImpl::RegenerateRecoveryCodes(
    grpc::CallbackServerContext* context, const auth::v1::RegenerateRecoveryCodesRequest* request,
    auth::v1::RegenerateRecoveryCodesResponse* response) {
  if (totp_maintenance_ == nullptr) return TotpUnavailable(context);
  return totp_maintenance_->Regenerate(context, request, response);
}

}  // namespace auth::service
