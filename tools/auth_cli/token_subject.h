// The user a JWT names, read on the client side so that `auth_cli logout` needs no --user_id.
//
//   absl::StatusOr<int32_t> user_id = UserIdOfToken(saved_token);   // its "sub" claim: 7
//
// The token is decoded, not verified: the server checks the signature and answers
// PERMISSION_DENIED if the token does not belong to the user in the request, so reading the
// claim here only spares the user from looking the id up.
#ifndef TOOLS_AUTH_CLI_TOKEN_SUBJECT_H_
#define TOOLS_AUTH_CLI_TOKEN_SUBJECT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::cli {

// The user id in the `sub` claim of `jwt` (canonical decimal of a positive int32, as the server
// issues it); INVALID_ARGUMENT, saying what is wrong, for anything else.
absl::StatusOr<int32_t> UserIdOfToken(absl::string_view jwt);

}  // namespace auth::cli

#endif  // TOOLS_AUTH_CLI_TOKEN_SUBJECT_H_
