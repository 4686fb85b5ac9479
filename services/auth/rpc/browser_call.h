// Whether a call came from a web browser: the HTTP front (services/auth/http) marks the calls it
// makes for a request with an `Origin` or a `Sec-Fetch-Site` header, which browsers send and other
// HTTP clients do not. The handlers that issue tokens answer such a call in cookies only
// (HttpOnly: out of reach of the page's scripts) and leave the tokens out of its body.
//
//   if (!IsBrowserCall(*context)) response->set_jwt_token(token);
//
// The mark is believed only on calls over the in-process channel, as the forwarded client
// address is (caller.h): no network client can reach it, and the front never forwards metadata
// its client sent, so none can set the mark or remove it.
#ifndef SERVICES_AUTH_RPC_BROWSER_CALL_H_
#define SERVICES_AUTH_RPC_BROWSER_CALL_H_

#include "grpcpp/grpcpp.h"

namespace auth::service {

// Metadata key of the mark, with the value kBrowserCallValue.
inline constexpr char kBrowserCallMetadata[] = "x-auth-browser-call";
inline constexpr char kBrowserCallValue[] = "1";

// Whether `context` is of an in-process call that the HTTP front marked as a browser's.
bool IsBrowserCall(const grpc::ServerContextBase& context);

}  // namespace auth::service

#endif  // SERVICES_AUTH_RPC_BROWSER_CALL_H_
