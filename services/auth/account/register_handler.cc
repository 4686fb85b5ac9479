// RegisterHandler; see register_handler.h.
#include "services/auth/account/register_handler.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "glog/logging.h"
#include "services/auth/account/validation.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/rpc/unary_call.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::RegisterRequest;
using auth::v1::RegisterResponse;

namespace {
// The repository's message for a unique email clash (MysqlUserRepository::Create).
constexpr char kEmailTakenMessage[] = "email already taken";
}  // namespace

RegisterHandler::RegisterHandler(Deps deps) : deps_(deps) {
  CHECK(deps_.users && deps_.hasher && deps_.gate && deps_.runner && deps_.audit_log)
      << "RegisterHandler needs every dependency";
}

grpc::ServerUnaryReactor* RegisterHandler::Handle(grpc::CallbackServerContext* context,
                                                  const RegisterRequest* request,
                                                  RegisterResponse* response) const {
  const CallRunner& runner = *deps_.runner;
  auto call = runner.Start(context, metrics::Rpc::kRegister);
  absl::StatusOr<Registration> registration = ValidateRegisterRequest(*request);
  if (!registration.ok()) {
    call->Finish(registration.status());
    return call->reactor();
  }
  std::string address = CallerAddress(*context);
  std::function<void()> hash_and_create = [this, call, request, response, address,
                                           registration = *std::move(registration)]() mutable {
    absl::StatusOr<std::string> password_hash = deps_.hasher->Hash(request->password_hash());
    if (!password_hash.ok()) {
      call->Finish(password_hash.status());
      return;
    }
    repository::NewUser user{std::move(registration.username), std::move(registration.email),
                             std::move(registration.phone_number), *std::move(password_hash)};
    deps_.runner->OnDatabase(
        call, [this, call, response, user = std::move(user), address = std::move(address)]() {
          absl::StatusOr<int64_t> id = deps_.users->Create(user);
          const bool conceal = deps_.conceal_accounts && deps_.mailer != nullptr &&
                               id.status().code() == absl::StatusCode::kAlreadyExists &&
                               id.status().message() == kEmailTakenMessage;
          if (!id.ok() && !conceal) {
            call->Finish(id.status());
            return;
          }
          // A taken email under --conceal_accounts is answered as a new account would be; its
          // owner learns of the try by mail instead of the caller.
          deps_.audit_log->RecordEvent(AuditEventType::kRegister, id.ok() ? *id : 0, address,
                                       id.ok() ? "" : "email_taken_concealed");
          response->set_message(kRegisteredMessage);
          response->set_status(kRegisteredStatus);
          call->Finish(absl::OkStatus());
          // The answer has left: the mail costs the caller no time, and tells nothing.
          if (deps_.mailer == nullptr) return;
          if (id.ok()) {
            deps_.mailer->MailVerificationLink(*id, user.email, address);
          } else {
            deps_.mailer->RegistrationOfTakenEmail(user.email, address);
          }
        });
  };
  if (!deps_.gate->CountsRegistrations()) {
    runner.OnHashing(call, std::move(hash_and_create));
    return call->reactor();
  }
  // The attempt is counted before the (expensive) hash.
  runner.OnDatabase(call, [this, call, address = std::move(address),
                           hash_and_create = std::move(hash_and_create)]() mutable {
    std::string retry_after;
    const absl::Status admitted = deps_.gate->AdmitRegistration(address, &retry_after);
    if (!PassedAdmission(*call, admitted, retry_after)) return;
    deps_.runner->OnHashing(call, std::move(hash_and_create));
  });
  return call->reactor();
}

}  // namespace auth::service
