// CredentialServiceImpl: auth.v1.CredentialService (api/auth/v1/credential.proto), the second
// factors and passkeys a signed-in user manages. It forwards each RPC to its handler (mfa/ for
// TOTP, passkey/ for passkeys), owned by the AuthServiceImpl beside it; an RPC whose handler has
// not landed yet is answered UNIMPLEMENTED by gRPC's generated base class.
#ifndef SERVICES_AUTH_CREDENTIAL_SERVICE_H_
#define SERVICES_AUTH_CREDENTIAL_SERVICE_H_

#include "api/auth/v1/credential.grpc.pb.h"

namespace auth::service {

class CredentialServiceImpl final : public auth::v1::CredentialService::CallbackService {
 public:
  CredentialServiceImpl() = default;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_CREDENTIAL_SERVICE_H_
