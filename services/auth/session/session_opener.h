// SessionOpener: the last step of every way in (Login's password, CompleteLogin's second factor,
// FinishPasskeyLogin's assertion): sign the tokens, then store the session with what the login
// spent and settled, in one transaction, and say so (metrics, the audit log, the session's
// `set-cookie` metadata). The caller fills its own response with FillLoginResponse().
//
//   absl::StatusOr<IssuedSession> issued = opener.Issue(user_id, address, {"pwd", "otp"});
//   ...  // on the database executor:
//   absl::StatusOr<OpenedSession> opened =
//       opener.Store(*call->context(), *std::move(issued), settlement, spend, address);
//   if (opened.ok()) FillLoginResponse(*opened, IsBrowserCall(*call->context()), response);
#ifndef SERVICES_AUTH_SESSION_SESSION_OPENER_H_
#define SERVICES_AUTH_SESSION_SESSION_OPENER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/audit/audit_log.h"
#include "libs/metrics/auth_metrics.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/refresh_token_repository.h"
#include "services/auth/session/session_cookies.h"
#include "services/auth/session/session_issuer.h"

namespace auth::service {

// A stored session, for the answer.
struct OpenedSession {
  int64_t user_id = 0;
  std::string access_token;
  std::string refresh_token;
  absl::Time expires_at;  // of the access token
};

class SessionOpener {
 public:
  // Nothing is owned; everything must outlive the opener.
  SessionOpener(const SessionIssuer& issuer, repository::RefreshTokenRepository& refresh_tokens,
                metrics::AuthMetrics& metrics, audit::AuditLog& audit_log,
                SessionCookieNames cookie_names)
      : issuer_(issuer),
        refresh_tokens_(refresh_tokens),
        metrics_(metrics),
        audit_log_(audit_log),
        cookie_names_(std::move(cookie_names)) {}

  // Signs the session's tokens, with `amr` (RFC 8176) in the access token and its family. No
  // database work: any thread (Login signs on the hashing executor, after the hash).
  absl::StatusOr<IssuedSession> Issue(int64_t user_id, absl::string_view client_address,
                                      const std::vector<std::string>& amr) const {
    return issuer_.Issue(user_id, client_address, amr);
  }

  // Stores `issued` with `spend` and `settlement` in one transaction
  // (RefreshTokenRepository::Create(): kAborted if a credential was spent already, and then
  // nothing is stored), then counts the session, audits the login's success and adds the
  // session's `set-cookie` metadata to `context` (tokens kept out of a browser call's body is
  // FillLoginResponse()'s). Database executor.
  absl::StatusOr<OpenedSession> Store(grpc::CallbackServerContext& context, IssuedSession issued,
                                      const repository::AttemptSettlement& settlement,
                                      const repository::CredentialSpend& spend,
                                      absl::string_view client_address) const;

  const SessionCookieNames& cookie_names() const { return cookie_names_; }

 private:
  const SessionIssuer& issuer_;
  repository::RefreshTokenRepository& refresh_tokens_;
  metrics::AuthMetrics& metrics_;
  audit::AuditLog& audit_log_;
  const SessionCookieNames cookie_names_;
};

// Fills Login's answer, or one shaped like it (CompleteLoginResponse, FinishPasskeyLoginResponse):
// the user, the tokens and the access token's expiry. A browser's tokens stay in its HttpOnly
// cookies, out of its page scripts' reach: its body carries none.
template <typename Response>
void FillLoginResponse(const OpenedSession& opened, bool browser_call, Response* response) {
  response->set_user_id(static_cast<int32_t>(opened.user_id));
  if (!browser_call) {
    response->set_jwt_token(opened.access_token);
    response->set_refresh_token(opened.refresh_token);
  }
  response->set_expires_at_unix_seconds(absl::ToUnixSeconds(opened.expires_at));
}

}  // namespace auth::service

#endif  // SERVICES_AUTH_SESSION_SESSION_OPENER_H_
