// SessionIssuer: what Login and RefreshToken hand out. A new session is an access token signed
// for the user, the session row that records it (keyed by the token's jti, with the token's
// digest), and an opaque refresh token bound to that session, in a refresh-token family.
//
//   SessionIssuer sessions(issuer, /*refresh_token_lifetime=*/absl::Hours(24 * 30),
//                          /*family_lifetime=*/absl::Hours(24 * 30));
//   absl::StatusOr<IssuedSession> issued = sessions.Issue(42, peer, {"pwd"});  // login
//   refresh_tokens->Create(issued->grant);   // then answer with the two tokens
//   sessions.IssueSuccessor(presented, peer);  // refresh: the same family, while it lasts
//
// A family ends `family_lifetime` after the login that started it, however often it rotates:
// a refresh token expires after refresh_token_lifetime or at its family's end, whichever is
// first, and the successor of a token whose family has ended is refused.
//
// No database work: the caller stores the grant (Login) or hands it to Rotate() (RefreshToken).
// A user id that the API's int32 user_id cannot carry is refused here (kInternal), for both.
#ifndef SERVICES_AUTH_SESSION_SESSION_ISSUER_H_
#define SERVICES_AUTH_SESSION_SESSION_ISSUER_H_

#include <cstdint>
#include <string>
#include <vector>

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
  SessionIssuer(const token::TokenIssuer& issuer, absl::Duration refresh_token_lifetime,
                absl::Duration family_lifetime)
      : issuer_(issuer),
        refresh_token_lifetime_(refresh_token_lifetime),
        family_lifetime_(family_lifetime) {}

  // Signs an access token for `user_id` and makes a refresh token bound to the new session,
  // in a new family named after the session and started now (login). `client_address` is
  // recorded with the session. `amr` (RFC 8176) says how the login authenticated: it goes into
  // the access token and stays with the family, so its refreshed tokens say it too.
  absl::StatusOr<IssuedSession> Issue(int64_t user_id, absl::string_view client_address,
                                      const std::vector<std::string>& amr) const;

  // The same for the successor of `presented` (its user, in its family, with its amr);
  // kUnauthenticated if the family has ended.
  absl::StatusOr<IssuedSession> IssueSuccessor(const repository::RefreshToken& presented,
                                               absl::string_view client_address) const;

 private:
  absl::StatusOr<IssuedSession> IssueInFamily(int64_t user_id, absl::string_view family_id,
                                              absl::Time family_started_at, absl::Time now,
                                              absl::string_view client_address,
                                              const std::vector<std::string>& amr) const;

  const token::TokenIssuer& issuer_;
  const absl::Duration refresh_token_lifetime_;
  const absl::Duration family_lifetime_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SESSION_SESSION_ISSUER_H_
