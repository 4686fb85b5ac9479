// RefreshTokenHandler: the RefreshToken RPC. Rotates a refresh token into a new session of the
// same family and retires the old one; a rotated token presented again is taken as theft and
// revokes its family (within `reuse_grace` of its rotation it is only refused). The token comes
// from the request, or from the refresh-token cookie when the request has none; the new session's
// cookies are set as Login sets them (session_cookies.h), and a browser's call (rpc/browser_call.h)
// gets the new tokens in those cookies only, not in its body. An address whose
// failed refreshes used up its limit is refused on the gRPC thread, before any database work.
//
//   RefreshTokenHandler handler(deps, /*reuse_grace=*/absl::ZeroDuration());
//   return handler.Handle(context, request, response);   // from AuthServiceImpl::RefreshToken
#ifndef SERVICES_AUTH_SESSION_REFRESH_TOKEN_HANDLER_H_
#define SERVICES_AUTH_SESSION_REFRESH_TOKEN_HANDLER_H_

#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/repository/refresh_token_repository.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/session/session_cookies.h"  // kMaxRefreshTokenBytes
#include "services/auth/session/session_issuer.h"

namespace auth::service {

class RefreshTokenHandler {
 public:
  // Nothing is owned; everything must outlive the handler and its calls.
  struct Deps {
    repository::RefreshTokenRepository* refresh_tokens = nullptr;
    const AttemptGate* gate = nullptr;
    const SessionIssuer* session_issuer = nullptr;
    const CallRunner* runner = nullptr;
    audit::AuditLog* audit_log = nullptr;
    SessionCookieNames cookie_names;  // --cookie_prefix
  };

  RefreshTokenHandler(Deps deps, absl::Duration reuse_grace);

  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const auth::v1::RefreshTokenRequest* request,
                                   auth::v1::RefreshTokenResponse* response) const;

 private:
  Deps deps_;
  absl::Duration reuse_grace_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SESSION_REFRESH_TOKEN_HANDLER_H_
