// PasskeyLoginHandler; see passkey_login_handler.h.
#include "services/auth/passkey/passkey_login_handler.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "libs/webauthn/options.h"
#include "libs/webauthn/relying_party.h"
#include "services/auth/account/validation.h"
#include "services/auth/passkey/passkey_names.h"
#include "services/auth/rpc/browser_call.h"
#include "services/auth/rpc/caller.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::BeginPasskeyLoginRequest;
using auth::v1::BeginPasskeyLoginResponse;
using auth::v1::FinishPasskeyLoginRequest;
using auth::v1::FinishPasskeyLoginResponse;

namespace {

constexpr char kRefused[] = "passkey assertion refused";

// The account a Begin names, as the user repository looks it up: a normalized email, a phone
// number, or neither (both empty).
struct NamedAccount {
  std::string email;
  std::string phone_number;
};

absl::StatusOr<NamedAccount> ValidateBegin(const BeginPasskeyLoginRequest& request) {
  if (!request.email().empty() && !request.phone_number().empty()) {
    return absl::InvalidArgumentError("give email or phone_number, not both");
  }
  NamedAccount named;
  if (!request.email().empty()) {
    absl::StatusOr<std::string> email = NormalizeEmail(request.email());
    if (!email.ok()) return email.status();
    named.email = *std::move(email);
  } else if (!request.phone_number().empty()) {
    if (absl::Status valid = ValidatePhoneNumber(request.phone_number()); !valid.ok()) {
      return valid;
    }
    named.phone_number = request.phone_number();
  }
  return named;
}

}  // namespace

PasskeyLoginHandler::PasskeyLoginHandler(Deps deps) : deps_(std::move(deps)) {
  CHECK(deps_.users && deps_.opener && deps_.gate && deps_.runner && deps_.audit_log)
      << "PasskeyLoginHandler needs every dependency";
  CHECK(deps_.passkeys || !deps_.options.enabled()) << "passkeys configured without a repository";
}

grpc::ServerUnaryReactor* PasskeyLoginHandler::Begin(grpc::CallbackServerContext* context,
                                                     const BeginPasskeyLoginRequest* request,
                                                     BeginPasskeyLoginResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kBeginPasskeyLogin);
  if (!deps_.options.enabled()) {
    call->Finish(absl::FailedPreconditionError("passkeys are not configured"));
    return call->reactor();
  }
  absl::StatusOr<NamedAccount> named = ValidateBegin(*request);
  if (!named.ok()) {
    call->Finish(named.status());
    return call->reactor();
  }
  deps_.runner->OnDatabase(
      call, [this, call, response, named = *std::move(named), address = CallerAddress(*context)]() {
        // Each Begin stores a row for anyone who asks: bounded per address before anything else.
        if (deps_.attempts != nullptr && deps_.options.ceremonies_per_address > 0) {
          std::string retry_after;
          const absl::Status admitted = AdmitAttempt(
              *deps_.attempts,
              {{absl::StrCat("passkey-begin:", address), deps_.options.ceremonies_per_address,
                deps_.options.ceremonies_window}},
              &retry_after);
          if (!PassedAdmission(*call, admitted, retry_after)) return;
        }
        int64_t user_id = 0;
        if (!named.email.empty() || !named.phone_number.empty()) {
          absl::StatusOr<repository::User> user = named.email.empty()
                                                      ? deps_.users->FindByPhone(named.phone_number)
                                                      : deps_.users->FindByEmail(named.email);
          if (user.ok()) {
            user_id = user->id;
          } else if (!absl::IsNotFound(user.status())) {
            call->Finish(user.status());
            return;
          }
        }
        webauthn::RequestOptions options;
        if (user_id != 0) {
          absl::StatusOr<std::vector<repository::StoredPasskey>> passkeys =
              deps_.passkeys->ListOf(user_id);
          if (!passkeys.ok()) {
            call->Finish(passkeys.status());
            return;
          }
          for (const repository::StoredPasskey& passkey : *passkeys) {
            options.allow_credential_ids.push_back(passkey.credential_id);
          }
        }
        absl::StatusOr<std::string> challenge = webauthn::NewRandomBytes();
        absl::StatusOr<std::string> ceremony_id = NewCeremonyId();
        if (!challenge.ok() || !ceremony_id.ok()) {
          call->Finish(absl::InternalError("no random bytes"));
          return;
        }
        // An unknown account's ceremony binds no one: the answer looks the same, and its
        // assertion must then name its user by the userHandle, as a discoverable one does.
        const repository::WebauthnCeremony ceremony{*ceremony_id, repository::CeremonyKind::kSignIn,
                                                    user_id, *challenge,
                                                    absl::Now() + deps_.options.ceremony_lifetime};
        if (absl::Status created = deps_.passkeys->CreateCeremony(ceremony); !created.ok()) {
          call->Finish(created);
          return;
        }
        options.rp_id = deps_.options.rp_id;
        options.challenge = *challenge;
        options.timeout = deps_.options.ceremony_lifetime;
        response->set_ceremony_id(ceremony.ceremony_id);
        response->set_options_json(webauthn::RequestOptionsJson(options));
        call->Finish(absl::OkStatus());
      });
  return call->reactor();
}

grpc::ServerUnaryReactor* PasskeyLoginHandler::Finish(grpc::CallbackServerContext* context,
                                                      const FinishPasskeyLoginRequest* request,
                                                      FinishPasskeyLoginResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kFinishPasskeyLogin);
  if (!deps_.options.enabled()) {
    call->Finish(absl::FailedPreconditionError("passkeys are not configured"));
    return call->reactor();
  }
  if (request->ceremony_id().empty() || request->ceremony_id().size() > 64) {
    call->Finish(absl::InvalidArgumentError("ceremony_id must be 1-64 characters"));
    return call->reactor();
  }
  if (request->credential_json().empty() ||
      request->credential_json().size() > kMaxCredentialJsonBytes) {
    call->Finish(absl::InvalidArgumentError("credential_json must be 1-16384 bytes"));
    return call->reactor();
  }
  absl::StatusOr<AuthenticationResponse> assertion =
      ParseAuthenticationResponse(request->credential_json());
  if (!assertion.ok()) {
    call->Finish(assertion.status());
    return call->reactor();
  }
  deps_.runner->OnDatabase(call, [this, call, request, response, assertion = *std::move(assertion),
                                  address = CallerAddress(*context)]() {
    SignIn(call, request->ceremony_id(), assertion, address, response);
  });
  return call->reactor();
}

void PasskeyLoginHandler::SignIn(const std::shared_ptr<UnaryCall>& call,
                                 const std::string& ceremony_id,
                                 const AuthenticationResponse& assertion,
                                 const std::string& address,
                                 FinishPasskeyLoginResponse* response) const {
  // Counted before anything is checked, against the address (no account is known yet): a
  // failure stays counted, a success is taken back with the session.
  std::string retry_after;
  const absl::Status admitted = deps_.gate->AdmitLogin(/*user_id=*/0, address, &retry_after);
  if (!PassedAdmission(*call, admitted, retry_after)) return;
  int64_t user_id = 0;
  const auto refuse = [&](absl::string_view reason) {
    deps_.audit_log->RecordEvent(AuditEventType::kPasskeyLoginFailure, user_id, address, reason);
    call->Finish(absl::UnauthenticatedError(kRefused));
  };
  // Spent first, whatever the outcome: an assertion is tried against a ceremony once.
  absl::StatusOr<repository::WebauthnCeremony> ceremony =
      deps_.passkeys->SpendCeremony(ceremony_id, repository::CeremonyKind::kSignIn);
  if (absl::IsNotFound(ceremony.status())) return refuse("no_live_ceremony");
  if (!ceremony.ok()) {
    call->Finish(ceremony.status());
    return;
  }
  absl::StatusOr<repository::StoredPasskey> passkey =
      deps_.passkeys->FindByCredentialId(assertion.credential_id);
  if (absl::IsNotFound(passkey.status())) return refuse("unknown_credential");
  if (!passkey.ok()) {
    call->Finish(passkey.status());
    return;
  }
  user_id = passkey->user_id;
  if (ceremony->user_id != 0 && ceremony->user_id != passkey->user_id) {
    return refuse("another_accounts_credential");
  }
  // A discoverable credential names its user by the handle; a handle given must match anyway.
  if (ceremony->user_id == 0 || !assertion.user_handle.empty()) {
    absl::StatusOr<int64_t> handle_user = deps_.passkeys->FindUserByHandle(assertion.user_handle);
    if (!handle_user.ok() && !absl::IsNotFound(handle_user.status())) {
      call->Finish(handle_user.status());
      return;
    }
    if (!handle_user.ok() || *handle_user != passkey->user_id) return refuse("user_handle");
  }
  absl::StatusOr<webauthn::CosePublicKey> key =
      webauthn::CosePublicKey::FromSpkiDer(passkey->public_key);
  if (!key.ok()) {
    LOG(ERROR) << "stored public key of passkey " << passkey->passkey_id << " unreadable";
    call->Finish(absl::InternalError("stored credentials unreadable"));
    return;
  }
  absl::StatusOr<uint32_t> new_count = webauthn::VerifyAssertion(
      {deps_.options.rp_id, deps_.options.origins, ceremony->challenge},
      {*std::move(key), passkey->sign_count}, assertion.authenticator_data,
      assertion.client_data_json, assertion.signature);
  if (!new_count.ok()) {
    if (webauthn::IsPossibleClone(new_count.status())) {
      deps_.audit_log->RecordEvent(AuditEventType::kPasskeyCloneSuspected, user_id, address,
                                   passkey->passkey_id);
      return refuse("sign_count");
    }
    return refuse("verification_failed");
  }
  absl::StatusOr<IssuedSession> issued = deps_.opener->Issue(user_id, address, {"hwk", "user"});
  if (!issued.ok()) {
    call->Finish(issued.status());
    return;
  }
  repository::CredentialSpend spend;
  spend.passkey_id = passkey->passkey_id;
  spend.passkey_sign_count_read = passkey->sign_count;
  spend.passkey_sign_count_new = *new_count;
  absl::StatusOr<OpenedSession> opened =
      deps_.opener->Store(*call->context(), *std::move(issued),
                          deps_.gate->LoginSettlement(user_id, address), spend, address);
  // Aborted: another sign-in moved the counter (or deleted the passkey) since it was read.
  if (absl::IsAborted(opened.status())) return refuse("sign_count_raced");
  if (!opened.ok()) {
    call->Finish(opened.status());
    return;
  }
  deps_.audit_log->RecordEvent(AuditEventType::kPasskeyUsed, user_id, address, passkey->passkey_id);
  FillLoginResponse(*opened, IsBrowserCall(*call->context()), response);
  call->Finish(absl::OkStatus());
}

}  // namespace auth::service
