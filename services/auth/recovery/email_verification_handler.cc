// EmailVerificationHandler; see email_verification_handler.h.
#include "services/auth/recovery/email_verification_handler.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/crypto/sha256.h"
#include "services/auth/recovery/recovery_mail.h"
#include "services/auth/recovery/session_owner.h"
#include "services/auth/rpc/caller.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::SendEmailVerificationRequest;
using auth::v1::SendEmailVerificationResponse;
using auth::v1::VerifyEmailRequest;
using auth::v1::VerifyEmailResponse;
using repository::AccountTokenPurpose;

namespace {

constexpr char kDeadLinkMessage[] = "verification link invalid, used or expired: ask for a new one";

}  // namespace

EmailVerificationHandler::EmailVerificationHandler(Deps deps, RecoveryOptions options)
    : deps_(std::move(deps)),
      options_(std::move(options)),
      limits_(deps_.attempts, options_.limits) {
  CHECK(deps_.users && deps_.sessions && deps_.verifier && deps_.runner && deps_.audit_log)
      << "EmailVerificationHandler needs every dependency";
  CHECK(deps_.account_tokens || !options_.mail_configured)
      << "mailing verification links needs somewhere to store their tokens";
}

grpc::ServerUnaryReactor* EmailVerificationHandler::Send(
    grpc::CallbackServerContext* context, const SendEmailVerificationRequest* /*request*/,
    SendEmailVerificationResponse* /*response*/) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kSendEmailVerification);
  absl::StatusOr<VerifiedAccessToken> verified =
      PresentedAccessToken(*context, *deps_.verifier, deps_.cookie_names);
  if (!verified.ok()) {
    call->Finish(verified.status());
    return call->reactor();
  }
  if (!options_.mail_configured) {
    call->Finish(absl::FailedPreconditionError(kMailNotConfiguredMessage));
    return call->reactor();
  }
  IssueVerificationMail(call, *std::move(verified), CallerAddress(*context));
  return call->reactor();
}

void EmailVerificationHandler::IssueVerificationMail(std::shared_ptr<UnaryCall> call,
                                                     VerifiedAccessToken token,
                                                     std::string address) const {
  deps_.runner->OnDatabase(
      call, [this, call, token = std::move(token), address = std::move(address)]() {
        absl::StatusOr<repository::User> user = SessionOwner(*deps_.sessions, *deps_.users, token);
        if (!user.ok()) {
          call->Finish(user.status());
          return;
        }
        const auto record = [&](absl::string_view outcome) {
          deps_.audit_log->RecordEvent(AuditEventType::kEmailVerificationSent, user->id, address,
                                       outcome, token.claims.jwt_id);
        };
        if (user->email_verified) {
          record("already_verified");
          call->Finish(absl::OkStatus());
          return;
        }
        if (absl::Status admitted = limits_.AdmitMailRequest(address); !admitted.ok()) {
          record(admitted.code() == absl::StatusCode::kResourceExhausted ? "address_limit"
                                                                         : "limiter_failed");
          call->Finish(absl::OkStatus());  // silent, as the API says
          return;
        }
        const std::string outcome = QueueVerificationMail(user->id, user->email);
        record(outcome);
        // Past a limit, or to an address no mail can go to: OK all the same, as the API says.
        if (outcome == "store_failed") {
          call->Finish(absl::UnavailableError("the link could not be stored"));
          return;
        }
        call->Finish(absl::OkStatus());
      });
}

std::string EmailVerificationHandler::QueueVerificationMail(int64_t user_id,
                                                            const std::string& email) const {
  return QueueLinkMail(limits_, *deps_.account_tokens, options_,
                       AccountTokenPurpose::kEmailVerification, user_id, email,
                       options_.email_verification_token_lifetime, &EmailVerificationMail);
}

void EmailVerificationHandler::MailVerificationLink(int64_t user_id, const std::string& email,
                                                    const std::string& address) const {
  if (!options_.mail_configured) return;
  deps_.audit_log->RecordEvent(AuditEventType::kEmailVerificationSent, user_id, address,
                               QueueVerificationMail(user_id, email));
}

void EmailVerificationHandler::RegistrationOfTakenEmail(const std::string& email,
                                                        const std::string& address) const {
  if (!options_.mail_configured || deps_.outbox == nullptr) return;
  const auto record = [&](int64_t user_id, absl::string_view outcome) {
    deps_.audit_log->RecordEvent(AuditEventType::kTakenEmailNotified, user_id, address, outcome);
  };
  absl::StatusOr<repository::User> owner = deps_.users->FindByEmail(email);
  if (!owner.ok()) {
    record(0, "lookup_failed");
    return;
  }
  if (absl::Status admitted = limits_.AdmitMail(owner->id); !admitted.ok()) {
    record(owner->id, admitted.code() == absl::StatusCode::kResourceExhausted ? "mail_limit"
                                                                              : "limiter_failed");
    return;
  }
  absl::StatusOr<int64_t> queued =
      deps_.outbox->Enqueue(TakenEmailMail(owner->email, options_.public_base_url));
  if (!queued.ok()) {
    record(owner->id, "store_failed");
    return;
  }
  if (options_.mail_queued) options_.mail_queued();
  record(owner->id, "mail_queued");
}

grpc::ServerUnaryReactor* EmailVerificationHandler::Verify(
    grpc::CallbackServerContext* context, const VerifyEmailRequest* request,
    VerifyEmailResponse* /*response*/) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kVerifyEmail);
  if (absl::Status valid = ValidateLinkToken(request->token()); !valid.ok()) {
    call->Finish(valid);
    return call->reactor();
  }
  if (deps_.account_tokens == nullptr) {
    call->Finish(absl::FailedPreconditionError(kMailNotConfiguredMessage));
    return call->reactor();
  }
  deps_.runner->OnDatabase(call, [this, call, token_hash = crypto::Sha256Hex(request->token()),
                                  address = CallerAddress(*context)]() {
    if (!PassedTokenTry(*call, limits_, *deps_.audit_log, AuditEventType::kEmailVerificationRefused,
                        address)) {
      return;
    }
    absl::StatusOr<int64_t> user_id = deps_.account_tokens->VerifyEmail(token_hash);
    if (!user_id.ok()) {
      if (user_id.status().code() != absl::StatusCode::kNotFound) {
        call->Finish(user_id.status());
        return;
      }
      deps_.audit_log->RecordEvent(AuditEventType::kEmailVerificationRefused, 0, address,
                                   "dead_token");
      call->Finish(absl::UnauthenticatedError(kDeadLinkMessage));
      return;
    }
    limits_.RefundTokenTry(address);
    deps_.audit_log->RecordEvent(AuditEventType::kEmailVerified, *user_id, address, "");
    call->Finish(absl::OkStatus());
  });
  return call->reactor();
}

}  // namespace auth::service
