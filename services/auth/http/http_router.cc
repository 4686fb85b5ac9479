// HttpRouter: the front's routes; see http_router.h.
#include "services/auth/http/http_router.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace auth::http {
namespace {

namespace beast_http = boost::beast::http;

constexpr absl::string_view kHealthPath = "/healthz";
constexpr absl::string_view kJwksPath = "/.well-known/jwks.json";

Response Preflight(const Request& request, const RequestInfo& info, const OriginPolicy& origins) {
  const auto origin = request.find(beast_http::field::origin);
  const std::string origin_value =
      origin == request.end() ? std::string() : std::string(origin->value());
  if (!origins.AllowsOrigin(origin_value, info.own_origin)) {
    return TextResponse(request.version(), beast_http::status::forbidden, "origin not allowed\n",
                        request.keep_alive());
  }
  Response response(beast_http::status::no_content, request.version());
  response.keep_alive(request.keep_alive());
  response.set(beast_http::field::access_control_allow_origin, origin_value);
  response.set(beast_http::field::access_control_allow_credentials, "true");
  response.set(beast_http::field::access_control_allow_methods, "POST, GET");
  response.set(beast_http::field::access_control_allow_headers,
               "authorization, content-type, connect-protocol-version, connect-timeout-ms, "
               "grpc-timeout, x-grpc-web, x-user-agent");
  response.set(beast_http::field::access_control_max_age, "7200");
  response.set(beast_http::field::vary, "Origin");
  response.prepare_payload();
  return response;
}

}  // namespace

Response TextResponse(unsigned version, beast_http::status status, std::string text,
                      bool keep_alive) {
  Response response(status, version);
  response.set(beast_http::field::content_type, "text/plain; charset=utf-8");
  response.set("X-Content-Type-Options", "nosniff");
  response.set(beast_http::field::cache_control, "no-store");
  response.keep_alive(keep_alive);
  response.body() = std::move(text);
  response.prepare_payload();
  return response;
}

HttpRouter::HttpRouter(const RpcBridge& bridge, const RpcHandler& rpcs, const OriginPolicy& origins,
                       std::function<bool()> serving, std::function<std::string()> jwks)
    : bridge_(bridge),
      rpcs_(rpcs),
      origins_(origins),
      serving_(std::move(serving)),
      jwks_(std::move(jwks)) {
  for (const web::StaticAsset& asset : web::StaticAssets()) {
    assets_.emplace(std::string(asset.path), asset);
  }
}

void HttpRouter::Route(const Request& request, const RequestInfo& info, Respond respond) const {
  absl::string_view target(request.target().data(), request.target().size());
  const absl::string_view path = target.substr(0, target.find('?'));
  const beast_http::verb method = request.method();
  const bool keep_alive = request.keep_alive();
  auto text = [&](beast_http::status status, std::string body) {
    respond(TextResponse(request.version(), status, std::move(body), keep_alive));
  };
  // Not addressed to one of our origins (DNS rebinding: Host: evil.test): refused before any
  // work. /healthz and the JWKS document excepted: they carry nothing private, and probes and
  // key fetchers address the server by IP or an internal name.
  const bool public_document = path == kHealthPath || path == kJwksPath;
  if (!public_document && !origins_.ServesOwnOrigin(info.own_origin)) {
    text(beast_http::status::misdirected_request,
         "this server does not answer for the Host of this request\n");
    return;
  }
  if (method == beast_http::verb::options) {
    respond(Preflight(request, info, origins_));
    return;
  }
  if (bridge_.IsServicePath(path)) {
    if (method != beast_http::verb::post) {
      Response response = TextResponse(request.version(), beast_http::status::method_not_allowed,
                                       "RPCs take POST\n", keep_alive);
      response.set(beast_http::field::allow, "POST, OPTIONS");
      respond(std::move(response));
      return;
    }
    rpcs_.Handle(path, request, info, std::move(respond));
    return;
  }
  const auto asset = assets_.find(path);
  const bool known = path == kHealthPath || path == kJwksPath || asset != assets_.end();
  if (!known) {
    text(beast_http::status::not_found, "not found\n");
    return;
  }
  if (method != beast_http::verb::get && method != beast_http::verb::head) {
    Response response = TextResponse(request.version(), beast_http::status::method_not_allowed,
                                     "only GET\n", keep_alive);
    response.set(beast_http::field::allow, "GET, HEAD");
    respond(std::move(response));
    return;
  }
  Response response(beast_http::status::ok, request.version());
  response.keep_alive(keep_alive);
  response.set("X-Content-Type-Options", "nosniff");
  if (path == kHealthPath) {
    const bool serving = serving_();
    response.result(serving ? beast_http::status::ok : beast_http::status::service_unavailable);
    response.set(beast_http::field::content_type, "text/plain; charset=utf-8");
    response.set(beast_http::field::cache_control, "no-store");
    response.body() = serving ? "SERVING\n" : "NOT_SERVING\n";
  } else if (path == kJwksPath) {
    response.set(beast_http::field::content_type, "application/json");
    response.set(beast_http::field::cache_control,
                 absl::StrCat("public, max-age=", kJwksMaxAgeSeconds));
    // Public keys: any page or service may read them.
    response.set(beast_http::field::access_control_allow_origin, "*");
    response.body() = jwks_();
  } else {
    response.set(beast_http::field::content_type,
                 boost::beast::string_view(asset->second.content_type.data(),
                                           asset->second.content_type.size()));
    response.set("Content-Security-Policy", kContentSecurityPolicy);
    response.set(beast_http::field::cache_control, "no-cache");
    response.set("Referrer-Policy", "no-referrer");
    response.body().assign(asset->second.body.data(), asset->second.body.size());
  }
  response.prepare_payload();
  // HEAD: the same headers (Content-Length included), no body.
  if (method == beast_http::verb::head) response.body().clear();
  respond(std::move(response));
}

}  // namespace auth::http
