#include "services/greeter/greeter_service.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace greeter {

grpc::Status GreeterServiceImpl::Hello(grpc::ServerContext* context,
                                       const greeter::v1::HelloRequest* /*request*/,
                                       greeter::v1::HelloResponse* response) {
  absl::StatusOr<auth::authn::AuthenticatedUser> user = authenticator_->Authenticate(*context);
  if (!user.ok()) {
    LOG(INFO) << "Hello: refused: " << user.status();  // the message never holds the token
    return auth::authn::ToGrpcStatus(user.status());
  }
  response->set_user_id(user->user_id);
  response->set_message(absl::StrCat("Hello, user ", user->user_id, "!"));
  LOG(INFO) << "Hello: user " << user->user_id;
  return grpc::Status::OK;
}

}  // namespace greeter
