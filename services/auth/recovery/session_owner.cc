// SessionOwner; see session_owner.h.
#include "services/auth/recovery/session_owner.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/authn/credentials.h"

namespace auth::service {

namespace {
constexpr char kSessionEndedMessage[] = "session ended, unknown or not this token's";
}  // namespace

absl::StatusOr<VerifiedAccessToken> PresentedAccessToken(
    const grpc::ServerContextBase& context, const token::PrehashedTokenVerifier& verifier,
    const SessionCookieNames& cookie_names) {
  absl::StatusOr<std::string> token = authn::ExtractAccessToken(
      authn::ToHeaders(context.client_metadata()), cookie_names.TokenSources());
  if (!token.ok()) return token.status();
  return VerifyAccessToken(verifier, *token);
}

absl::StatusOr<repository::User> SessionOwner(repository::SessionRepository& sessions,
                                              repository::UserRepository& users,
                                              const VerifiedAccessToken& token) {
  absl::StatusOr<repository::Session> session = sessions.FindActive(token.claims.jwt_id);
  if (!session.ok()) {
    return session.status().code() == absl::StatusCode::kNotFound
               ? absl::UnauthenticatedError(kSessionEndedMessage)
               : session.status();
  }
  if (session->user_id != token.user_id || session->token_hash != token.token_hash) {
    return absl::UnauthenticatedError(kSessionEndedMessage);
  }
  absl::StatusOr<repository::User> user = users.FindById(token.user_id);
  if (!user.ok() && user.status().code() == absl::StatusCode::kNotFound) {
    return absl::UnauthenticatedError(kSessionEndedMessage);
  }
  return user;
}

}  // namespace auth::service
