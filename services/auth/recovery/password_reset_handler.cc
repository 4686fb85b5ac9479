// PasswordResetHandler; see password_reset_handler.h.
#include "services/auth/recovery/password_reset_handler.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/authn/credentials.h"
#include "libs/crypto/random_token.h"
#include "libs/crypto/sha256.h"
#include "services/auth/account/validation.h"
#include "services/auth/recovery/recovery_mail.h"
#include "services/auth/rpc/caller.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::RequestPasswordResetRequest;
using auth::v1::RequestPasswordResetResponse;
using auth::v1::ResetPasswordRequest;
using auth::v1::ResetPasswordResponse;
using repository::AccountTokenPurpose;

namespace {

// One message for every dead token: which of unknown, used, voided or expired it is would only
// help someone holding tokens that are not theirs.
constexpr char kDeadLinkMessage[] = "reset link invalid, used or expired: ask for a new one";
// What NewRandomToken() gives for 32 bytes.
constexpr size_t kTokenCharacters = 43;

}  // namespace

std::string QueueLinkMail(const RecoveryLimits& limits,
                          repository::AccountTokenRepository& account_tokens,
                          const RecoveryOptions& options, AccountTokenPurpose purpose,
                          int64_t user_id, const std::string& email, absl::Duration lifetime,
                          LinkMailBuilder build_mail) {
  if (absl::Status admitted = limits.AdmitMail(user_id); !admitted.ok()) {
    return admitted.code() == absl::StatusCode::kResourceExhausted ? "mail_limit"
                                                                   : "limiter_failed";
  }
  absl::StatusOr<std::string> token = crypto::NewRandomToken();
  if (!token.ok()) {
    LOG(ERROR) << "no random token for a link to user " << user_id << ": " << token.status().code();
    return "internal_error";
  }
  repository::NewAccountToken stored;
  stored.token_hash = crypto::Sha256Hex(*token);
  stored.purpose = purpose;
  stored.user_id = user_id;
  stored.email = email;
  stored.expires_at = absl::Now() + lifetime;
  const absl::Status issued =
      account_tokens.Issue(stored, build_mail(email, options.public_base_url, *token, lifetime));
  if (!issued.ok()) {
    // The code only: a message could carry the address.
    LOG(WARNING) << "link of purpose " << static_cast<int>(purpose) << " to user " << user_id
                 << " not queued: " << issued.code();
    return issued.code() == absl::StatusCode::kInvalidArgument ? "unmailable_address"
                                                               : "store_failed";
  }
  if (options.mail_queued) options.mail_queued();
  return "mail_queued";
}

bool PassedTokenTry(UnaryCall& call, const RecoveryLimits& limits, audit::AuditLog& audit_log,
                    audit::AuditEventType refused, const std::string& address) {
  std::string retry_after;
  const absl::Status admitted = limits.AdmitTokenTry(address, &retry_after);
  if (!admitted.ok()) {
    audit_log.RecordEvent(
        refused, 0, address,
        admitted.code() == absl::StatusCode::kResourceExhausted ? "abuse_limit" : "limiter_failed");
  }
  return PassedAdmission(call, admitted, retry_after);
}

absl::Status ValidateLinkToken(absl::string_view token) {
  bool base64url = token.size() == kTokenCharacters;
  for (const char c : token) {
    base64url = base64url && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '_');
  }
  if (!base64url) return absl::InvalidArgumentError("token: must be 43 base64url characters");
  return absl::OkStatus();
}

PasswordResetHandler::PasswordResetHandler(Deps deps, RecoveryOptions options)
    : deps_(std::move(deps)),
      options_(std::move(options)),
      limits_(deps_.attempts, options_.limits) {
  CHECK(deps_.users && deps_.hasher && deps_.gate && deps_.runner && deps_.audit_log)
      << "PasswordResetHandler needs every dependency";
  CHECK(deps_.account_tokens || !options_.mail_configured)
      << "mailing reset links needs somewhere to store their tokens";
}

grpc::ServerUnaryReactor* PasswordResetHandler::Request(
    grpc::CallbackServerContext* context, const RequestPasswordResetRequest* request,
    RequestPasswordResetResponse* /*response*/) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kRequestPasswordReset);
  if (!options_.mail_configured) {
    call->Finish(absl::FailedPreconditionError(kMailNotConfiguredMessage));
    return call->reactor();
  }
  const bool has_email = !request->email().empty();
  if (has_email == !request->phone_number().empty()) {
    call->Finish(absl::InvalidArgumentError("email, phone_number: give exactly one of them"));
    return call->reactor();
  }
  Identity identity;
  if (has_email) {
    absl::StatusOr<std::string> email = NormalizeEmail(request->email());
    if (!email.ok()) {
      call->Finish(email.status());
      return call->reactor();
    }
    identity = {true, *std::move(email)};
  } else {
    if (absl::Status valid = ValidatePhoneNumber(request->phone_number()); !valid.ok()) {
      call->Finish(valid);
      return call->reactor();
    }
    identity = {false, request->phone_number()};
  }
  const std::string address = CallerAddress(*context);
  // The answer leaves now, the same for every address; the rest is not the caller's business.
  call->Finish(absl::OkStatus());
  const absl::Status queued = deps_.runner->database_executor().Submit(
      absl::Now() + absl::Minutes(1),
      [this, identity = std::move(identity), address](absl::Status status) {
        if (!status.ok()) {
          LOG(WARNING) << "password reset request from " << address
                       << " dropped before it ran: " << status.code();
          return;
        }
        IssueResetMail(identity, address);
      });
  if (!queued.ok()) {
    LOG(WARNING) << "password reset request from " << address
                 << " dropped (database queue): " << queued.code();
  }
  return call->reactor();
}

void PasswordResetHandler::IssueResetMail(const Identity& identity,
                                          const std::string& address) const {
  const auto record = [&](int64_t user_id, absl::string_view outcome) {
    deps_.audit_log->RecordEvent(AuditEventType::kPasswordResetRequested, user_id, address,
                                 outcome);
  };
  if (absl::Status admitted = limits_.AdmitMailRequest(address); !admitted.ok()) {
    record(0, admitted.code() == absl::StatusCode::kResourceExhausted ? "address_limit"
                                                                      : "limiter_failed");
    return;
  }
  absl::StatusOr<repository::User> user = identity.is_email
                                              ? deps_.users->FindByEmail(identity.value)
                                              : deps_.users->FindByPhone(identity.value);
  if (!user.ok()) {
    // No account, no mail: nobody is told anything about an address that is not ours.
    record(0, user.status().code() == absl::StatusCode::kNotFound ? "no_account" : "lookup_failed");
    return;
  }
  record(user->id, QueueLinkMail(limits_, *deps_.account_tokens, options_,
                                 AccountTokenPurpose::kPasswordReset, user->id, user->email,
                                 options_.password_reset_token_lifetime, &PasswordResetMail));
}

grpc::ServerUnaryReactor* PasswordResetHandler::Reset(grpc::CallbackServerContext* context,
                                                      const ResetPasswordRequest* request,
                                                      ResetPasswordResponse* /*response*/) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kResetPassword);
  if (deps_.account_tokens == nullptr) {
    call->Finish(absl::FailedPreconditionError(kMailNotConfiguredMessage));
    return call->reactor();
  }
  // The password first: a bad one is refused before the token is even looked at, so the link
  // stays usable.
  absl::Status valid = ValidatePassword(request->password_hash());
  if (valid.ok()) valid = ValidateLinkToken(request->token());
  if (!valid.ok()) {
    call->Finish(valid);
    return call->reactor();
  }
  FindToken(call, request, crypto::Sha256Hex(request->token()), CallerAddress(*context));
  return call->reactor();
}

void PasswordResetHandler::FindToken(std::shared_ptr<UnaryCall> call,
                                     const ResetPasswordRequest* request, std::string token_hash,
                                     std::string address) const {
  deps_.runner->OnDatabase(call, [this, call, request, token_hash = std::move(token_hash),
                                  address = std::move(address)]() {
    if (!PassedTokenTry(*call, limits_, *deps_.audit_log, AuditEventType::kPasswordResetRefused,
                        address)) {
      return;
    }
    absl::StatusOr<int64_t> user_id =
        deps_.account_tokens->FindLive(token_hash, AccountTokenPurpose::kPasswordReset);
    if (!user_id.ok()) {
      if (user_id.status().code() != absl::StatusCode::kNotFound) {
        call->Finish(user_id.status());
        return;
      }
      deps_.audit_log->RecordEvent(AuditEventType::kPasswordResetRefused, 0, address, "dead_token");
      call->Finish(absl::UnauthenticatedError(kDeadLinkMessage));
      return;
    }
    Hash(call, request, token_hash, *user_id, address);
  });
}

void PasswordResetHandler::Hash(std::shared_ptr<UnaryCall> call,
                                const ResetPasswordRequest* request, std::string token_hash,
                                int64_t user_id, std::string address) const {
  deps_.runner->OnHashing(call, [this, call, request, token_hash = std::move(token_hash), user_id,
                                 address = std::move(address)]() {
    absl::StatusOr<std::string> hash = deps_.hasher->Hash(request->password_hash());
    if (!hash.ok()) {
      LOG(ERROR) << "cannot hash the new password of user " << user_id << ": "
                 << hash.status().code();
      call->Finish(absl::InternalError("cannot hash the new password"));
      return;
    }
    repository::PasswordReset reset;
    reset.token_hash = token_hash;
    reset.user_id = user_id;
    reset.new_password_hash = *std::move(hash);
    // The owner proved control of the address: the account's failed logins are forgiven, and
    // this try does not count against the client's address.
    reset.settlement = deps_.gate->LoginSettlement(user_id, address);
    if (std::string key = limits_.TokenTryKey(address); !key.empty()) {
      reset.settlement.refund_keys.push_back(std::move(key));
    }
    Store(call, std::move(reset), address);
  });
}

void PasswordResetHandler::Store(std::shared_ptr<UnaryCall> call, repository::PasswordReset reset,
                                 std::string address) const {
  deps_.runner->OnDatabase(
      call, [this, call, reset = std::move(reset), address = std::move(address)]() {
        absl::StatusOr<repository::PasswordResetResult> result =
            deps_.account_tokens->ResetPassword(reset);
        if (!result.ok()) {
          if (result.status().code() != absl::StatusCode::kNotFound) {
            call->Finish(result.status());
            return;
          }
          // Spent by a concurrent call (another browser), voided or expired meanwhile.
          deps_.audit_log->RecordEvent(AuditEventType::kPasswordResetRefused, reset.user_id,
                                       address, "token_spent_concurrently");
          call->Finish(absl::UnauthenticatedError(kDeadLinkMessage));
          return;
        }
        deps_.runner->metrics().RecordSessionsRevoked(result->sessions_revoked);
        deps_.audit_log->RecordEvent(AuditEventType::kPasswordReset, reset.user_id, address,
                                     "all_sessions");
        // Every session has ended, this browser's too if it had one: it drops its cookies.
        for (const std::string& cookie : ExpiredSessionCookies(deps_.cookie_names)) {
          call->context()->AddInitialMetadata(authn::kSetCookieHeader, cookie);
        }
        call->Finish(absl::OkStatus());
      });
}

}  // namespace auth::service
