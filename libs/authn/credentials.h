// Credentials in gRPC metadata: reading the caller's access token, writing the login cookies.
//
//   absl::StatusOr<std::string> token = ExtractAccessToken(ToHeaders(context->client_metadata()));
//   context->AddInitialMetadata("set-cookie", MakeSetCookie("jwt-token", jwt, absl::Minutes(15)));
//
// A token is accepted from `authorization: Bearer <jwt>`, and, only for a caller that opts in
// (AccessTokenSources::cookie), from a `cookie` header carrying `jwt-token=<jwt>` (what a
// gRPC-Web or gateway front forwards from a browser). Opt-in because a browser attaches cookies
// to requests other sites make it send: a service that takes the cookie needs a CSRF defence
// (origin_check.h) that a bearer token, which only the client's own code can attach, does not.
#ifndef LIBS_AUTHN_CREDENTIALS_H_
#define LIBS_AUTHN_CREDENTIALS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::authn {

inline constexpr char kAuthorizationHeader[] = "authorization";
inline constexpr char kCookieHeader[] = "cookie";
inline constexpr char kSetCookieHeader[] = "set-cookie";
inline constexpr char kUserIdCookie[] = "user_id";
inline constexpr char kTokenCookie[] = "jwt-token";
inline constexpr char kRefreshTokenCookie[] = "refresh-token";
// Far above any token we issue; a bound so a hostile header costs nothing to reject.
inline constexpr size_t kMaxTokenBytes = 4096;

// Metadata as (lowercase key, value) pairs, in the order received.
using Headers = std::vector<std::pair<absl::string_view, absl::string_view>>;

// `metadata` as Headers: views into it, valid while it is. Any container of (key, value) pairs
// whose members have data() and size(): gRPC's client metadata (a multimap of string_ref) in a
// server, a metadata processor or an interceptor, with no gRPC dependency here.
template <typename Metadata>
Headers ToHeaders(const Metadata& metadata) {
  Headers headers;
  headers.reserve(metadata.size());
  for (const auto& [key, value] : metadata) {
    headers.emplace_back(absl::string_view(key.data(), key.size()),
                         absl::string_view(value.data(), value.size()));
  }
  return headers;
}

// Where an access token may come from, besides `authorization: Bearer`.
struct AccessTokenSources {
  // Also the access-token cookie. Off by default: see above.
  bool cookie = false;
  // Its name: kTokenCookie, after the auth service's --cookie_prefix if it has one.
  std::string cookie_name = kTokenCookie;
};

// The access token the caller presented in `sources`. kUnauthenticated when there is none, when
// a header is malformed, or when several differing tokens are presented (which one would we
// trust?). `cookie` headers are not looked at unless sources.cookie. The message never contains
// the token.
absl::StatusOr<std::string> ExtractAccessToken(const Headers& headers,
                                               const AccessTokenSources& sources = {});

// The values of every cookie called `name` in one `cookie` header ("a=1; b=2"), in order.
std::vector<absl::string_view> CookieValues(absl::string_view cookie_header,
                                            absl::string_view name);

// The value of the cookie called `name` across every `cookie` header of `headers`: nullopt when
// there is none, or several that differ (which one would we trust? A cookie planted at another
// path or domain rides along beside the real one).
std::optional<std::string> UnambiguousCookie(const Headers& headers, absl::string_view name);

// A `set-cookie` value: `name=value; Path=/; Max-Age=N; HttpOnly; Secure; SameSite=Strict`
// (with `path` for Path). `value` must be cookie-safe (the ids, JWTs and refresh tokens we issue
// are: base64url, digits and dots). Max-Age=0 (and an empty value) expires the cookie.
std::string MakeSetCookie(absl::string_view name, absl::string_view value, absl::Duration max_age,
                          absl::string_view path = "/");

}  // namespace auth::authn

#endif  // LIBS_AUTHN_CREDENTIALS_H_
