// The HTTP message types the front's parts pass around (Boost.Beast, HTTP/1.1, bodies held in
// strings: every body is at most a few KiB), and what the front knows of a request besides it.
#ifndef SERVICES_AUTH_HTTP_HTTP_TYPES_H_
#define SERVICES_AUTH_HTTP_HTTP_TYPES_H_

#include <functional>
#include <string>

#include "boost/beast/http.hpp"

namespace auth::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
// Answers a request; called exactly once, from any thread.
using Respond = std::function<void(Response)>;

// What the connection knows of a request besides its message.
struct RequestInfo {
  // The client's IP address: "203.0.113.7", "2001:db8::1".
  std::string client_address;
  // The server's own origin as this request reached it: scheme and Host header.
  std::string own_origin;
};

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_HTTP_TYPES_H_
