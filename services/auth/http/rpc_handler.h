// RpcHandler: POST /auth.v1.AuthService/<Method> in the two browser protocols, chosen by
// Content-Type as connect-go's handler does: Connect unary (application/json,
// application/proto) or gRPC-Web (application/grpc-web+proto, application/grpc-web-text).
// Every call goes through the RpcBridge to the AuthService.
//
//   RpcHandler rpcs(bridge, origin_policy, /*refresh_token_lifetime=*/absl::Hours(720));
//   rpcs.Handle("Login", request, info, respond);
//
// Around the call it does what only HTTP has: the CSRF check before any work (403
// permission_denied), the session cookies of Login and RefreshToken (and their expiry on
// Logout), the refresh token taken from its cookie when RefreshToken's body has none, the
// client's timeout header, and the CORS headers of an allowed origin.
#ifndef SERVICES_AUTH_HTTP_RPC_HANDLER_H_
#define SERVICES_AUTH_HTTP_RPC_HANDLER_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/auth/http/http_types.h"
#include "services/auth/http/origin_policy.h"
#include "services/auth/http/rpc_bridge.h"

namespace auth::http {

class RpcHandler {
 public:
  // Nothing is owned; both must outlive the handler.
  RpcHandler(RpcBridge& bridge, const OriginPolicy& origins, absl::Duration refresh_token_lifetime)
      : bridge_(bridge), origins_(origins), refresh_token_lifetime_(refresh_token_lifetime) {}

  // Answers a POST to the method called `method_name`.
  void Handle(absl::string_view method_name, const Request& request, const RequestInfo& info,
              Respond respond) const;

 private:
  RpcBridge& bridge_;
  const OriginPolicy& origins_;
  absl::Duration refresh_token_lifetime_;
};

// The CORS headers of a response to `request` when its Origin is allowed (none otherwise).
void AddCorsHeaders(const Request& request, const RequestInfo& info, const OriginPolicy& origins,
                    Response& response);

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_RPC_HANDLER_H_
