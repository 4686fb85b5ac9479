// PresentedAccessToken, SessionOwner: the access token a call presents, and the user behind it
// whose session is still open, for the AccountService RPCs a signed-in user calls (ChangePassword,
// SendEmailVerification). The session row is read on every call, as ValidateToken does, so a logout
// takes effect at once.
//
//   absl::StatusOr<repository::User> user = SessionOwner(sessions, users, verified_token);
//   if (!user.ok()) return call->Finish(user.status());  // UNAUTHENTICATED, or the database's
//
// Blocks on the database: call it from the database executor.
#ifndef SERVICES_AUTH_RECOVERY_SESSION_OWNER_H_
#define SERVICES_AUTH_RECOVERY_SESSION_OWNER_H_

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/token/token.h"
#include "services/auth/session/access_token.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

// The access token the caller of `context` presents (Bearer or the access-token cookie of
// `cookie_names`, as GetSession reads it), its signature and claims verified; kUnauthenticated
// if there is none, two differ, or it does not verify. Never blocks.
absl::StatusOr<VerifiedAccessToken> PresentedAccessToken(
    const grpc::ServerContextBase& context, const token::PrehashedTokenVerifier& verifier,
    const SessionCookieNames& cookie_names);

// The user of `token`'s session. kUnauthenticated ("session ended, unknown or not this
// token's") if the session is not open, is another user's or was issued with another token, or
// the user is gone; the repositories' own errors (kUnavailable, ...) otherwise.
absl::StatusOr<repository::User> SessionOwner(repository::SessionRepository& sessions,
                                              repository::UserRepository& users,
                                              const VerifiedAccessToken& token);

}  // namespace auth::service

#endif  // SERVICES_AUTH_RECOVERY_SESSION_OWNER_H_
