// The one check of a user id against the API: auth.proto's user_id is an int32, so every id the
// service hands out or accepts must be a positive int32, and a token's subject must name one in
// canonical decimal.
//
//   std::optional<int32_t> user_id = UserIdFromSubject(claims.subject);  // "42" -> 42
//   if (!IsApiUserId(user.id)) ...   // a database id the wire cannot carry
//
// Used by the auth service (ids it reads from the database, subjects of tokens presented to it)
// and by JwtAuthenticator (subjects of tokens other services receive), so that both sides agree
// on which tokens name a user.
#ifndef LIBS_AUTHN_USER_ID_H_
#define LIBS_AUTHN_USER_ID_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace auth::authn {

// True if `user_id` is positive and fits the API's int32 (a larger id would be silently
// truncated on the wire).
bool IsApiUserId(int64_t user_id);

// The user id a token subject names: canonical decimal (digits only, no sign, no leading zero)
// of an id that IsApiUserId accepts; nullopt for anything else.
std::optional<int32_t> UserIdFromSubject(absl::string_view subject);

}  // namespace auth::authn

#endif  // LIBS_AUTHN_USER_ID_H_
