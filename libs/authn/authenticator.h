// Authenticator: who is calling? For the handlers of services that accept the auth service's
// access tokens.
//
//   grpc::Status GreeterImpl::Hello(grpc::ServerContext* context, const HelloRequest* request,
//                                   HelloResponse* response) {
//     absl::StatusOr<AuthenticatedUser> user = authenticator_.Authenticate(*context);
//     if (!user.ok()) return ToGrpcStatus(user.status());
//     ... user->user_id ...
//   }
//
// The caller presents its token as `authorization: Bearer <jwt>` metadata, or, in a service
// that opts in (JwtAuthenticatorOptions::token_sources, with origin_check.h's interceptor), as
// the `jwt-token` cookie, as for the auth service's own Logout. Any problem with it is
// kUnauthenticated; kUnavailable means the auth service was needed and could not be reached
// (retry later, the token may be fine).
//
// Why a call at the top of each handler and not a gRPC server interceptor: gRPC 1.51's
// interceptors are experimental, cannot finish a call with a status before the handler runs,
// have no way to hand the authenticated user to the handler, and run on threads where a
// blocking ValidateToken call would stall other calls. One explicit line per handler is easy
// to review ("is this RPC authenticated?") and to unit-test with MockAuthenticator.
//
// Authenticate() may block on the auth service (fetching keys, or ValidateToken when
// confirming revocation): call it from a synchronous handler or an executor, not on a
// callback-API reactor thread.
#ifndef LIBS_AUTHN_AUTHENTICATOR_H_
#define LIBS_AUTHN_AUTHENTICATOR_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/string_ref.h"

namespace auth::authn {

// A call's client metadata, as grpc::ServerContextBase::client_metadata() returns it.
using ClientMetadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// The caller, as proven by a valid access token.
struct AuthenticatedUser {
  int32_t user_id = 0;     // the auth service's user id (the token's "sub")
  std::string session_id;  // the token's "jti": the auth service's session
  absl::Time expires_at;   // when the token stops being accepted
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;

  // The user whose access token `metadata` carries. kUnauthenticated for a missing, malformed,
  // forged, expired or revoked token; kUnavailable when the auth service could not be asked.
  // Messages never contain the token.
  virtual absl::StatusOr<AuthenticatedUser> Authenticate(const ClientMetadata& metadata) const = 0;

  // The same for the caller of a server call (sync or callback API).
  absl::StatusOr<AuthenticatedUser> Authenticate(const grpc::ServerContextBase& context) const {
    return Authenticate(context.client_metadata());
  }
};

// The gRPC status a handler returns for a failed Authenticate(): UNAUTHENTICATED or
// UNAVAILABLE with the message (which is safe to show: it never names the token); anything
// unexpected becomes UNAUTHENTICATED, so a bug never lets a caller through.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  const grpc::StatusCode code = status.code() == absl::StatusCode::kUnavailable
                                    ? grpc::StatusCode::UNAVAILABLE
                                    : grpc::StatusCode::UNAUTHENTICATED;
  return grpc::Status(code, std::string(status.message()));
}

}  // namespace auth::authn

#endif  // LIBS_AUTHN_AUTHENTICATOR_H_
