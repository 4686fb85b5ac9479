// Fuzzes ExtractAccessToken, which reads the `authorization` and `cookie` metadata of every
// authenticated call.
//
// Input: header lines separated by '\n', each "key:value" (split at the first ':'; no
// whitespace is trimmed, so the parser sees values exactly as given). Checks, beyond the
// sanitizers: every rejection is kUnauthenticated; an accepted token is non-empty, bounded,
// made of base64url characters and dots, was present in the input, and is accepted again when
// presented alone as a bearer token and alone as the jwt-token cookie.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/authn/credentials.h"

namespace auth::authn {
namespace {

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// The auth service's own sources (the cookie opted in), the larger parser.
const AccessTokenSources kWithCookie = {/*cookie=*/true};

void CheckAlone(absl::string_view key, const std::string& value, const std::string& token) {
  const Headers headers = {{key, value}};
  absl::StatusOr<std::string> again = ExtractAccessToken(headers, kWithCookie);
  if (!again.ok() || *again != token) std::abort();
}

}  // namespace
}  // namespace auth::authn

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace authn = ::auth::authn;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  authn::Headers headers;
  for (absl::string_view line : absl::StrSplit(input, '\n')) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      headers.emplace_back(line, absl::string_view());
    } else {
      headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
  }
  absl::StatusOr<std::string> token = authn::ExtractAccessToken(headers, authn::kWithCookie);
  if (!token.ok()) {
    if (token.status().code() != absl::StatusCode::kUnauthenticated) std::abort();
    return 0;
  }
  if (token->empty() || token->size() > authn::kMaxTokenBytes) std::abort();
  for (char c : *token) {
    if (!authn::IsTokenChar(c)) std::abort();
  }
  if (!absl::StrContains(input, *token)) std::abort();
  authn::CheckAlone(authn::kAuthorizationHeader, absl::StrCat("Bearer ", *token), *token);
  authn::CheckAlone(authn::kCookieHeader, absl::StrCat(authn::kTokenCookie, "=", *token), *token);
  return 0;
}
