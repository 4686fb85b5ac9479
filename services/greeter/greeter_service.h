// GreeterServiceImpl: greeter.v1.Greeter, answering only callers with a valid access token.
//
//   auth::authn::JwtAuthenticator authenticator(&keys, auth_stub.get(), options);
//   greeter::GreeterServiceImpl service(&authenticator);
//   builder.RegisterService(&service);
//
// The synchronous API on purpose: authenticating may block on the auth service (key fetch,
// ValidateToken), which is fine on the sync server's thread pool and would stall a callback
// reactor thread.
#ifndef SERVICES_GREETER_GREETER_SERVICE_H_
#define SERVICES_GREETER_GREETER_SERVICE_H_

#include "api/greeter/v1/greeter.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/authn/authenticator.h"

namespace greeter {

class GreeterServiceImpl final : public greeter::v1::Greeter::Service {
 public:
  // `authenticator` must outlive this object.
  explicit GreeterServiceImpl(const auth::authn::Authenticator* authenticator)
      : authenticator_(authenticator) {}

  grpc::Status Hello(grpc::ServerContext* context, const greeter::v1::HelloRequest* request,
                     greeter::v1::HelloResponse* response) override;

 private:
  const auth::authn::Authenticator* const authenticator_;
};

}  // namespace greeter

#endif  // SERVICES_GREETER_GREETER_SERVICE_H_
