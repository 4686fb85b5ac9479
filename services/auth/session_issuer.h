// SessionIssuer: what Login and RefreshToken hand out. A new session is an access token signed
// for the user, the session row that records it (keyed by the token's jti, with the token's
// digest), and an opaque refresh token bound to that session, in a refresh-token family.
//
//   SessionIssuer sessions(issuer, /*refresh_token_lifetime=*/absl::Hours(24 * 30));
//   absl::StatusOr<IssuedSession> issued = sessions.Issue(42, /*family_id=*/"", peer);
//   refresh_tokens->Create(issued->grant);   // then answer with the two tokens
//
// No database work: the caller stores the grant (Login) or hands it to Rotate() (RefreshToken).
#ifndef SERVICES_AUTH_SESSION_ISSUER_H_
#define SERVICES_AUTH_SESSION_ISSUER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/token/token.h"

namespace auth::service {

// A session ready to be stored, with the tokens the client receives for it.
struct IssuedSession {
  repository::SessionGrant grant;
  std::string access_token;
  std::string refresh_token;
};

class SessionIssuer {
 public:
  // `issuer` is not owned and must outlive this object.
  SessionIssuer(const token::TokenIssuer& issuer, absl::Duration refresh_token_lifetime)
      : issuer_(issuer), refresh_token_lifetime_(refresh_token_lifetime) {}

  // Signs an access token for `user_id` and makes a refresh token bound to the new session,
  // in `family_id` (empty: a new family, named after the session). `client_address` is
  // recorded with the session.
  absl::StatusOr<IssuedSession> Issue(int64_t user_id, absl::string_view family_id,
                                      absl::string_view client_address) const;

 private:
  const token::TokenIssuer& issuer_;
  const absl::Duration refresh_token_lifetime_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SESSION_ISSUER_H_
