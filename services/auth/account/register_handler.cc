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
          if (!id.ok()) {
            call->Finish(id.status());
            return;
          }
          deps_.audit_log->RecordEvent(AuditEventType::kRegister, *id, address, /*reason=*/"");
          response->set_message(kRegisteredMessage);
          response->set_status(kRegisteredStatus);
          call->Finish(absl::OkStatus());
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
