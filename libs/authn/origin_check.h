// The CSRF defence of a service that takes the browser's access-token cookie
// (AccessTokenSources::cookie): cookies count only on calls from the service's own web origins.
//
//   std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
//   creators.push_back(MakeCookieOriginCheck({"https://app.example.com"}));
//   builder.experimental().SetInterceptorCreators(std::move(creators));
//
// A browser attaches cookies to requests that pages of other sites make it send; a bearer token
// only the client's own code can attach. So a call whose `origin` metadata (what a gRPC-Web
// proxy forwards from the browser's Origin header) is not exactly one of the allowed origins has
// every `cookie` entry removed before the handler runs: its Authenticate() then finds no cookie
// and refuses the call as kUnauthenticated, unless it carries a bearer token. A call with no
// `origin` is no browser's cross-site request but may be an old browser's or a proxy's that
// drops the header: it loses its cookies too (such clients use a bearer token).
//
// Why an interceptor that removes rather than one that fails the call: gRPC 1.51's server
// interceptors cannot finish a call with a status (authenticator.h); a call without its cookie
// fails in the handler like any call without credentials. Sync and callback services alike.
// The auth service's own HTTP front has its own origin checks (services/auth/http).
#ifndef LIBS_AUTHN_ORIGIN_CHECK_H_
#define LIBS_AUTHN_ORIGIN_CHECK_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/support/server_interceptor.h"
#include "libs/authn/credentials.h"

namespace auth::authn {

inline constexpr char kOriginHeader[] = "origin";

// Whether the cookies of a call with `headers` may authenticate it: it has exactly one
// `origin`, equal to one of `allowed_origins` ("https://app.example.com", no path).
bool CookiesMayAuthenticate(const Headers& headers,
                            const std::vector<std::string>& allowed_origins);

// The interceptor above, for grpc::ServerBuilder::experimental().SetInterceptorCreators().
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeCookieOriginCheck(
    std::vector<std::string> allowed_origins);

}  // namespace auth::authn

#endif  // LIBS_AUTHN_ORIGIN_CHECK_H_
