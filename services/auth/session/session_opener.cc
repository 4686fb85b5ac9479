// SessionOpener; see session_opener.h.
#include "services/auth/session/session_opener.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "libs/authn/credentials.h"
#include "services/auth/rpc/browser_call.h"

namespace auth::service {

absl::StatusOr<OpenedSession> SessionOpener::Store(grpc::CallbackServerContext& context,
                                                   IssuedSession issued,
                                                   const repository::AttemptSettlement& settlement,
                                                   const repository::CredentialSpend& spend,
                                                   absl::string_view client_address) const {
  // The session, its refresh token, what the login spent, and the success's settlement of the
  // attempt counters (the account's failures reset, the address's attempt taken back): one
  // transaction, one commit.
  issued.grant.spend = spend;
  const absl::Status created = refresh_tokens_.Create(issued.grant, settlement);
  if (!created.ok()) return created;
  metrics_.RecordSessionsCreated(1);
  const int64_t user_id = issued.grant.session.user_id;
  audit_log_.RecordEvent(audit::AuditEventType::kLoginSuccess, user_id, client_address,
                         /*reason=*/"", issued.grant.session.jti,
                         issued.grant.refresh_token.family_id);
  const SessionCookies cookies{user_id,
                               issued.access_token,
                               issued.grant.session.expires_at,
                               issued.refresh_token,
                               issued.grant.refresh_token.expires_at,
                               IsBrowserCall(context)};
  for (const std::string& cookie : SetSessionCookies(cookies, absl::Now(), cookie_names_)) {
    context.AddInitialMetadata(authn::kSetCookieHeader, cookie);
  }
  return OpenedSession{user_id, std::move(issued.access_token), std::move(issued.refresh_token),
                       issued.grant.session.expires_at};
}

}  // namespace auth::service
