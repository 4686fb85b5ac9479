// Strict JSON parsing for untrusted JWS headers and claim sets.
//
//   absl::StatusOr<nlohmann::json> object = ParseStrictJsonObject(R"({"alg":"EdDSA"})");
//
// nlohmann::json::parse keeps the last of duplicate member names, so `{"sub":"1","sub":"2"}`
// would read differently here than in another JWT library. RFC 7515 section 4 lets us reject
// such input, and we do, at every nesting level.
#ifndef LIBS_TOKEN_INTERNAL_STRICT_JSON_H_
#define LIBS_TOKEN_INTERNAL_STRICT_JSON_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace auth::token::internal {

// Nesting deeper than this is rejected; no header or claim set of ours nests at all.
inline constexpr std::size_t kMaxJsonDepth = 16;

// Parses `text` as one JSON object: kInvalidArgument for malformed JSON (including invalid
// UTF-8 and trailing garbage), a top level other than an object, duplicate member names and
// nesting beyond kMaxJsonDepth. The message never echoes input.
absl::StatusOr<nlohmann::json> ParseStrictJsonObject(absl::string_view text);

}  // namespace auth::token::internal

#endif  // LIBS_TOKEN_INTERNAL_STRICT_JSON_H_
