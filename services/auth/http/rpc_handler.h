// RpcHandler: POST /<package.Service>/<Method> in the two browser protocols, chosen by
// Content-Type as connect-go's handler does: Connect unary (application/json,
// application/proto) or gRPC-Web (application/grpc-web+proto, application/grpc-web-text).
// Every call goes through the RpcBridge to a service it serves; it knows no service or method.
//
//   RpcHandler rpcs(bridge, origin_policy);
//   rpcs.Handle("/example.v1.Greeter/SayHello", request, info, respond);
//
// Around the call it does what only HTTP has: the CSRF check before any work (403
// permission_denied), the client's timeout header, the CORS headers of an allowed origin, and
// the service's `set-cookie` metadata copied into Set-Cookie headers (as grpc-gateway does); the
// `cookie` and `authorization` headers reach the service as metadata, and a browser's request
// (one with `Origin` or `Sec-Fetch-Site`) is marked as one (rpc/browser_call.h).
#ifndef SERVICES_AUTH_HTTP_RPC_HANDLER_H_
#define SERVICES_AUTH_HTTP_RPC_HANDLER_H_

#include "absl/strings/string_view.h"
#include "services/auth/http/http_types.h"
#include "services/auth/http/origin_policy.h"
#include "services/auth/http/rpc_bridge.h"

namespace auth::http {

class RpcHandler {
 public:
  // Nothing is owned; both must outlive the handler.
  RpcHandler(RpcBridge& bridge, const OriginPolicy& origins) : bridge_(bridge), origins_(origins) {}

  // Answers a POST to `path`, a path of one of the bridge's services (IsServicePath()).
  void Handle(absl::string_view path, const Request& request, const RequestInfo& info,
              Respond respond) const;

 private:
  RpcBridge& bridge_;
  const OriginPolicy& origins_;
};

// The CORS headers of a response to `request` when its Origin is allowed (none otherwise).
void AddCorsHeaders(const Request& request, const RequestInfo& info, const OriginPolicy& origins,
                    Response& response);

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_RPC_HANDLER_H_
