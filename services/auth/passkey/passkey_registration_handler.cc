// PasskeyRegistrationHandler; see passkey_registration_handler.h.
#include "services/auth/passkey/passkey_registration_handler.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "glog/logging.h"
#include "libs/webauthn/authenticator_data.h"
#include "libs/webauthn/options.h"
#include "libs/webauthn/relying_party.h"
#include "services/auth/account/password_check.h"
#include "services/auth/account/validation.h"
#include "services/auth/passkey/credential_json.h"
#include "services/auth/passkey/passkey_names.h"
#include "services/auth/recovery/session_owner.h"
#include "services/auth/rpc/caller.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::BeginPasskeyRegistrationRequest;
using auth::v1::BeginPasskeyRegistrationResponse;
using auth::v1::DeletePasskeyRequest;
using auth::v1::DeletePasskeyResponse;
using auth::v1::FinishPasskeyRegistrationRequest;
using auth::v1::FinishPasskeyRegistrationResponse;
using auth::v1::ListPasskeysRequest;
using auth::v1::ListPasskeysResponse;

namespace {

constexpr char kRefused[] = "passkey registration refused";

absl::Status ValidateFinish(const FinishPasskeyRegistrationRequest& request) {
  if (request.ceremony_id().empty() || request.ceremony_id().size() > 64) {
    return absl::InvalidArgumentError("ceremony_id must be 1-64 characters");
  }
  if (request.credential_json().empty() ||
      request.credential_json().size() > kMaxCredentialJsonBytes) {
    return absl::InvalidArgumentError("credential_json must be 1-16384 bytes");
  }
  return ValidatePasskeyName(request.name());
}

absl::Status ValidateDelete(const DeletePasskeyRequest& request) {
  if (request.passkey_id().empty() || request.passkey_id().size() > 64) {
    return absl::InvalidArgumentError("passkey_id must be 1-64 characters");
  }
  if (request.password_hash().empty()) return absl::OkStatus();
  return ValidatePassword(request.password_hash());
}

}  // namespace

PasskeyRegistrationHandler::PasskeyRegistrationHandler(Deps deps) : deps_(std::move(deps)) {
  CHECK(deps_.users && deps_.sessions && deps_.hasher && deps_.verifier && deps_.gate &&
        deps_.runner && deps_.audit_log)
      << "PasskeyRegistrationHandler needs every dependency";
  CHECK(deps_.passkeys || !deps_.options.enabled()) << "passkeys configured without a repository";
}

void PasskeyRegistrationHandler::WithSessionUser(
    const std::shared_ptr<UnaryCall>& call, const absl::Status& valid,
    std::function<void(const Caller& caller)> then) const {
  if (!deps_.options.enabled()) {
    call->Finish(absl::FailedPreconditionError("passkeys are not configured"));
    return;
  }
  // Bad input is refused before anything is looked up, counted or hashed.
  if (!valid.ok()) {
    call->Finish(valid);
    return;
  }
  absl::StatusOr<VerifiedAccessToken> verified =
      PresentedAccessToken(*call->context(), *deps_.verifier, deps_.cookie_names);
  if (!verified.ok()) {
    call->Finish(verified.status());
    return;
  }
  deps_.runner->OnDatabase(
      call, [this, call, token = *std::move(verified), address = CallerAddress(*call->context()),
             then = std::move(then)]() {
        absl::StatusOr<repository::User> user = SessionOwner(*deps_.sessions, *deps_.users, token);
        if (!user.ok()) {
          call->Finish(user.status());
          return;
        }
        then(Caller{*std::move(user), token.claims.jwt_id, address});
      });
}

void PasskeyRegistrationHandler::CheckPassword(const std::shared_ptr<UnaryCall>& call,
                                               const Caller& caller,
                                               const std::string& password_hash,
                                               AfterPassword then) const {
  // A guess at the password is a login attempt of the account from this address, counted
  // before the hash: a stolen session guesses no faster than Login allows.
  std::string retry_after;
  const absl::Status admitted =
      deps_.gate->AdmitLogin(caller.user.id, caller.address, &retry_after);
  if (!PassedAdmission(*call, admitted, retry_after)) return;
  deps_.runner->OnHashing(call, [this, call, caller, password_hash, then = std::move(then)]() {
    const absl::Status password = service::CheckPassword(*deps_.hasher, password_hash, caller.user);
    if (!password.ok()) {
      // A wrong one stays counted against the account and the address, as a failed login.
      if (absl::IsUnauthenticated(password)) {
        deps_.audit_log->RecordEvent(AuditEventType::kPasskeyRegistrationRefused, caller.user.id,
                                     caller.address, "wrong_password", caller.session_jti);
      }
      call->Finish(password);
      return;
    }
    deps_.runner->OnDatabase(call, [this, caller, then]() {
      deps_.gate->Settle(deps_.gate->LoginSettlement(caller.user.id, caller.address));
      then(caller.user);
    });
  });
}

grpc::ServerUnaryReactor* PasskeyRegistrationHandler::Begin(
    grpc::CallbackServerContext* context, const BeginPasskeyRegistrationRequest* request,
    BeginPasskeyRegistrationResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kBeginPasskeyRegistration);
  WithSessionUser(call, ValidatePassword(request->password_hash()),
                  [this, call, request, response](const Caller& caller) {
                    CheckPassword(call, caller, request->password_hash(),
                                  [this, call, response](const repository::User& user) {
                                    StartCeremony(call, user, response);
                                  });
                  });
  return call->reactor();
}

void PasskeyRegistrationHandler::StartCeremony(const std::shared_ptr<UnaryCall>& call,
                                               const repository::User& user,
                                               BeginPasskeyRegistrationResponse* response) const {
  absl::StatusOr<std::string> candidate = webauthn::NewRandomBytes();
  absl::StatusOr<std::string> challenge = webauthn::NewRandomBytes();
  absl::StatusOr<std::string> ceremony_id = NewCeremonyId();
  if (!candidate.ok() || !challenge.ok() || !ceremony_id.ok()) {
    call->Finish(absl::InternalError("no random bytes"));
    return;
  }
  absl::StatusOr<std::string> handle = deps_.passkeys->UserHandleOf(user.id, *candidate);
  if (!handle.ok()) {
    call->Finish(handle.status());
    return;
  }
  absl::StatusOr<std::vector<repository::StoredPasskey>> registered =
      deps_.passkeys->ListOf(user.id);
  if (!registered.ok()) {
    call->Finish(registered.status());
    return;
  }
  repository::WebauthnCeremony ceremony{*ceremony_id, repository::CeremonyKind::kRegistration,
                                        user.id, *challenge,
                                        absl::Now() + deps_.options.ceremony_lifetime};
  if (absl::Status created = deps_.passkeys->CreateCeremony(ceremony); !created.ok()) {
    call->Finish(created);
    return;
  }
  webauthn::CreationOptions options;
  options.rp_id = deps_.options.rp_id;
  options.rp_name = deps_.options.rp_id;
  options.user_handle = *handle;
  options.user_name = user.email.empty() ? user.username : user.email;
  options.user_display_name = user.username;
  options.challenge = *challenge;
  options.timeout = deps_.options.ceremony_lifetime;
  for (const repository::StoredPasskey& passkey : *registered) {
    options.exclude_credential_ids.push_back(passkey.credential_id);
  }
  response->set_ceremony_id(ceremony.ceremony_id);
  response->set_options_json(webauthn::CreationOptionsJson(options));
  call->Finish(absl::OkStatus());
}

grpc::ServerUnaryReactor* PasskeyRegistrationHandler::Finish(
    grpc::CallbackServerContext* context, const FinishPasskeyRegistrationRequest* request,
    FinishPasskeyRegistrationResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kFinishPasskeyRegistration);
  WithSessionUser(call, ValidateFinish(*request),
                  [this, call, request, response](const Caller& caller) {
                    StorePasskey(call, caller, request, response);
                  });
  return call->reactor();
}

void PasskeyRegistrationHandler::StorePasskey(const std::shared_ptr<UnaryCall>& call,
                                              const Caller& caller,
                                              const FinishPasskeyRegistrationRequest* request,
                                              FinishPasskeyRegistrationResponse* response) const {
  const auto refuse = [&](absl::string_view reason) {
    deps_.audit_log->RecordEvent(AuditEventType::kPasskeyRegistrationRefused, caller.user.id,
                                 caller.address, reason, caller.session_jti);
    call->Finish(absl::UnauthenticatedError(kRefused));
  };
  absl::StatusOr<RegistrationResponse> parsed =
      ParseRegistrationResponse(request->credential_json());
  if (!parsed.ok()) {
    call->Finish(parsed.status());
    return;
  }
  // Spent before anything is checked: an answer is tried against a ceremony once.
  absl::StatusOr<repository::WebauthnCeremony> ceremony = deps_.passkeys->SpendCeremony(
      request->ceremony_id(), repository::CeremonyKind::kRegistration);
  if (absl::IsNotFound(ceremony.status())) return refuse("no_live_ceremony");
  if (!ceremony.ok()) {
    call->Finish(ceremony.status());
    return;
  }
  if (ceremony->user_id != caller.user.id) return refuse("another_accounts_ceremony");
  absl::StatusOr<webauthn::RegisteredCredential> credential = webauthn::VerifyRegistration(
      {deps_.options.rp_id, deps_.options.origins, ceremony->challenge}, parsed->attestation_object,
      parsed->client_data_json);
  if (!credential.ok()) return refuse("verification_failed");
  // The attested id is the one verified; rawId only named it.
  if (credential->credential_id != parsed->credential_id) return refuse("credential_id_mismatch");
  absl::StatusOr<std::string> passkey_id = NewPasskeyId();
  if (!passkey_id.ok()) {
    call->Finish(passkey_id.status());
    return;
  }
  repository::StoredPasskey passkey;
  passkey.passkey_id = *passkey_id;
  passkey.user_id = caller.user.id;
  passkey.credential_id = credential->credential_id;
  passkey.public_key = credential->public_key.spki_der();
  passkey.algorithm = static_cast<int>(credential->public_key.algorithm());
  passkey.sign_count = credential->sign_count;
  passkey.backup_eligible = credential->backup_eligible;
  passkey.backed_up = credential->backed_up;
  passkey.name = request->name();
  if (absl::Status added = deps_.passkeys->Add(passkey); !added.ok()) {
    call->Finish(added);
    return;
  }
  deps_.audit_log->RecordEvent(AuditEventType::kPasskeyRegistered, caller.user.id, caller.address,
                               passkey.passkey_id, caller.session_jti);
  response->set_passkey_id(passkey.passkey_id);
  call->Finish(absl::OkStatus());
}

grpc::ServerUnaryReactor* PasskeyRegistrationHandler::List(grpc::CallbackServerContext* context,
                                                           const ListPasskeysRequest* /*request*/,
                                                           ListPasskeysResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kListPasskeys);
  WithSessionUser(call, absl::OkStatus(), [this, call, response](const Caller& caller) {
    absl::StatusOr<std::vector<repository::StoredPasskey>> passkeys =
        deps_.passkeys->ListOf(caller.user.id);
    if (!passkeys.ok()) {
      call->Finish(passkeys.status());
      return;
    }
    for (const repository::StoredPasskey& stored : *passkeys) {
      auth::v1::Passkey* passkey = response->add_passkeys();
      passkey->set_passkey_id(stored.passkey_id);
      passkey->set_name(stored.name);
      passkey->set_created_at_unix_seconds(absl::ToUnixSeconds(stored.created_at));
      if (stored.last_used_at != absl::InfinitePast()) {
        passkey->set_last_used_at_unix_seconds(absl::ToUnixSeconds(stored.last_used_at));
      }
      passkey->set_backed_up(stored.backed_up);
    }
    call->Finish(absl::OkStatus());
  });
  return call->reactor();
}

grpc::ServerUnaryReactor* PasskeyRegistrationHandler::Delete(
    grpc::CallbackServerContext* context, const DeletePasskeyRequest* request,
    DeletePasskeyResponse* /*response*/) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kDeletePasskey);
  WithSessionUser(call, ValidateDelete(*request), [this, call, request](const Caller& caller) {
    if (request->password_hash().empty()) {
      Remove(call, caller, request->passkey_id(), /*password_checked=*/false);
      return;
    }
    CheckPassword(call, caller, request->password_hash(),
                  [this, call, caller, request](const repository::User& /*user*/) {
                    Remove(call, caller, request->passkey_id(), /*password_checked=*/true);
                  });
  });
  return call->reactor();
}

void PasskeyRegistrationHandler::Remove(const std::shared_ptr<UnaryCall>& call,
                                        const Caller& caller, const std::string& passkey_id,
                                        bool password_checked) const {
  const absl::Status deleted = deps_.passkeys->Delete(caller.user.id, passkey_id, password_checked);
  if (absl::IsNotFound(deleted)) {
    call->Finish(absl::NotFoundError("no such passkey"));
    return;
  }
  if (absl::IsFailedPrecondition(deleted)) {
    call->Finish(absl::FailedPreconditionError("the last passkey needs the password"));
    return;
  }
  if (!deleted.ok()) {
    call->Finish(deleted);
    return;
  }
  deps_.audit_log->RecordEvent(AuditEventType::kPasskeyDeleted, caller.user.id, caller.address,
                               passkey_id, caller.session_jti);
  call->Finish(absl::OkStatus());
}

}  // namespace auth::service
