#include "libs/authn/credentials.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace auth::authn {
namespace {

// Characters of a base64url JWT (RFC 7515): the token goes into logs' neighbours and cookies,
// so anything else is refused before any parsing.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

absl::StatusOr<absl::string_view> CheckTokenShape(absl::string_view token) {
  if (token.empty()) return absl::UnauthenticatedError("empty access token");
  if (token.size() > kMaxTokenBytes) return absl::UnauthenticatedError("access token too long");
  for (char c : token) {
    if (!IsTokenChar(c)) return absl::UnauthenticatedError("malformed access token");
  }
  return token;
}

absl::StatusOr<absl::string_view> ParseAuthorization(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError("authorization: expected 'Bearer <token>'");
  }
  return CheckTokenShape(absl::StripLeadingAsciiWhitespace(value.substr(kScheme.size())));
}

}  // namespace

std::vector<absl::string_view> CookieValues(absl::string_view cookie_header,
                                            absl::string_view name) {
  std::vector<absl::string_view> values;
  for (absl::string_view pair : absl::StrSplit(cookie_header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t equals = pair.find('=');
    if (equals == absl::string_view::npos) continue;  // Not ours to judge other cookies.
    if (pair.substr(0, equals) == name) values.push_back(pair.substr(equals + 1));
  }
  return values;
}

std::optional<std::string> UnambiguousCookie(const Headers& headers, absl::string_view name) {
  std::optional<absl::string_view> found;
  for (const auto& [key, value] : headers) {
    if (key != kCookieHeader) continue;
    for (absl::string_view cookie : CookieValues(value, name)) {
      if (found.has_value() && *found != cookie) return std::nullopt;
      found = cookie;
    }
  }
  if (!found.has_value()) return std::nullopt;
  return std::string(*found);
}

namespace {

// Returns the `name` cookie of one `cookie` header, or nullopt if it has none.
absl::StatusOr<std::optional<absl::string_view>> ParseCookieHeader(absl::string_view value,
                                                                   absl::string_view name) {
  std::optional<absl::string_view> token;
  for (absl::string_view cookie : CookieValues(value, name)) {
    absl::StatusOr<absl::string_view> checked = CheckTokenShape(cookie);
    if (!checked.ok()) return checked.status();
    if (token.has_value() && *token != *checked) {
      return absl::UnauthenticatedError("conflicting access-token cookies");
    }
    token = *checked;
  }
  return token;
}

}  // namespace

absl::StatusOr<std::string> ExtractAccessToken(const Headers& headers,
                                               const AccessTokenSources& sources) {
  std::optional<absl::string_view> token;
  auto accept = [&token](absl::string_view candidate) -> absl::Status {
    if (token.has_value() && *token != candidate) {
      return absl::UnauthenticatedError("conflicting access tokens presented");
    }
    token = candidate;
    return absl::OkStatus();
  };
  for (const auto& [key, value] : headers) {
    if (key == kAuthorizationHeader) {
      absl::StatusOr<absl::string_view> bearer = ParseAuthorization(value);
      if (!bearer.ok()) return bearer.status();
      if (absl::Status status = accept(*bearer); !status.ok()) return status;
    } else if (key == kCookieHeader && sources.cookie) {
      absl::StatusOr<std::optional<absl::string_view>> cookie =
          ParseCookieHeader(value, sources.cookie_name);
      if (!cookie.ok()) return cookie.status();
      if (cookie->has_value()) {
        if (absl::Status status = accept(**cookie); !status.ok()) return status;
      }
    }
  }
  if (!token.has_value()) {
    return absl::UnauthenticatedError(
        sources.cookie ? absl::StrCat("missing access token: send 'authorization: Bearer <token>' "
                                      "or the ",
                                      sources.cookie_name, " cookie")
                       : "missing access token: send 'authorization: Bearer <token>'");
  }
  return std::string(*token);
}

std::string MakeSetCookie(absl::string_view name, absl::string_view value, absl::Duration max_age,
                          absl::string_view path) {
  return absl::StrCat(name, "=", value, "; Path=", path,
                      "; Max-Age=", absl::ToInt64Seconds(max_age),
                      "; HttpOnly; Secure; SameSite=Strict");
}

}  // namespace auth::authn
