// HttpRouter: what the HTTP front answers for each method and path.
//
//   POST    /<package.Service>/<Method>     the RPCs of the bridge's services (rpc_handler.h)
//   OPTIONS any path                        CORS preflight, for allowed origins only
//   GET     /healthz                        200 SERVING / 503 NOT_SERVING, as gRPC health
//   GET     /.well-known/jwks.json          the keys GetJwks answers, cacheable
//   GET     every path of auth::web::StaticAssets(), with a strict Content-Security-Policy
//   anything else                           404 (405 for a known path with another method)
// Except /healthz and the JWKS document, a request whose scheme and Host are not one of the
// server's public origins (OriginPolicy::ServesOwnOrigin) gets 421 Misdirected Request first.
#ifndef SERVICES_AUTH_HTTP_HTTP_ROUTER_H_
#define SERVICES_AUTH_HTTP_HTTP_ROUTER_H_

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "services/auth/http/http_types.h"
#include "services/auth/http/origin_policy.h"
#include "services/auth/http/rpc_bridge.h"
#include "services/auth/http/rpc_handler.h"
#include "services/auth/web/static_assets.h"

namespace auth::http {

// The policy every static asset is served with: scripts, styles and images from the server
// only, no inline script, no framing, forms post only back to us.
inline constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

// How long caches (Envoy's jwt_authn, NGINX, OIDC libraries) may keep the JWKS document.
inline constexpr int kJwksMaxAgeSeconds = 300;

class HttpRouter {
 public:
  // `bridge`, `rpcs` and `origins` must outlive the router. `serving` says whether the server is
  // SERVING (the gRPC health status); `jwks` gives what GetJwks answers now
  // (asked on every request, so a key reloaded on SIGHUP is published at once).
  HttpRouter(const RpcBridge& bridge, const RpcHandler& rpcs, const OriginPolicy& origins,
             std::function<bool()> serving, std::function<std::string()> jwks);

  void Route(const Request& request, const RequestInfo& info, Respond respond) const;

 private:
  const RpcBridge& bridge_;
  const RpcHandler& rpcs_;
  const OriginPolicy& origins_;
  std::function<bool()> serving_;
  std::function<std::string()> jwks_;
  absl::flat_hash_map<std::string, web::StaticAsset> assets_;  // by path
};

// A plain-text answer (404s, 405s, errors before a request could be read).
Response TextResponse(unsigned version, boost::beast::http::status status, std::string text,
                      bool keep_alive);

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_HTTP_ROUTER_H_
