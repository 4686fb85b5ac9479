// The SHA-256 digest of a token, computed once per request and used wherever the token is
// stored or looked up: as hex in the session row, as raw bytes in the verdict cache.
//
//   const TokenDigest digest = DigestToken(token);
//   session.token_hash = DigestHex(digest);             // 64 lowercase hex digits
//   claims = verifier.VerifyPrehashed(token, digest);    // no second hash
#ifndef LIBS_TOKEN_TOKEN_DIGEST_H_
#define LIBS_TOKEN_TOKEN_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"
#include "libs/token/token.h"

namespace auth::token {

// SHA-256 of `token`.
TokenDigest DigestToken(absl::string_view token);

// `digest` as 64 lowercase hex digits (how the session rows store it).
std::string DigestHex(const TokenDigest& digest);

}  // namespace auth::token

#endif  // LIBS_TOKEN_TOKEN_DIGEST_H_
