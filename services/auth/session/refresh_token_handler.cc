// RefreshTokenHandler; see refresh_token_handler.h.
#include "services/auth/session/refresh_token_handler.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/authn/credentials.h"
#include "libs/crypto/random_token.h"
#include "libs/crypto/sha256.h"
#include "services/auth/rpc/browser_call.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::RefreshTokenRequest;
using auth::v1::RefreshTokenResponse;
using repository::RotationOutcome;
using repository::SessionGrant;
using repository::TokenOwner;

namespace {

// Whether `token` could be one we issued: crypto::NewRandomToken()'s 43 base64url characters.
// Anything else cannot exist in the database.
bool IsOfIssuedForm(absl::string_view token) {
  constexpr size_t kIssuedLength = (crypto::kRandomTokenBytes * 8 + 5) / 6;
  return token.size() == kIssuedLength && std::all_of(token.begin(), token.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

}  // namespace

RefreshTokenHandler::RefreshTokenHandler(Deps deps, absl::Duration reuse_grace)
    : deps_(deps), reuse_grace_(reuse_grace) {
  CHECK(deps_.refresh_tokens && deps_.gate && deps_.session_issuer && deps_.runner &&
        deps_.audit_log)
      << "RefreshTokenHandler needs every dependency";
}

grpc::ServerUnaryReactor* RefreshTokenHandler::Handle(grpc::CallbackServerContext* context,
                                                      const RefreshTokenRequest* request,
                                                      RefreshTokenResponse* response) const {
  auto call = deps_.runner->Start(context, metrics::Rpc::kRefreshToken);
  // A browser keeps its refresh token in a cookie sent to the service's routes (this and Logout).
  std::string presented = request->refresh_token();
  if (presented.empty()) {
    presented = RefreshTokenCookie(authn::ToHeaders(context->client_metadata()), deps_.cookie_names)
                    .value_or("");
  }
  if (presented.empty() || presented.size() > kMaxRefreshTokenBytes) {
    call->Finish(absl::InvalidArgumentError(
        absl::StrCat("refresh_token: must be 1 to ", kMaxRefreshTokenBytes, " bytes")));
    return call->reactor();
  }
  std::string address = CallerAddress(*context);
  // An address whose failed refreshes used up its limit is refused here, on the gRPC thread,
  // for a token that is not even of the form we issue: a flood of garbage from it costs the
  // database nothing. A token of our form is still looked up (one primary-key read, no write):
  // behind a NAT or proxy the address is shared, and one client's garbage must not lock out
  // another's valid token.
  std::string retry_after;
  absl::Status admitted = deps_.gate->CheckRefresh(address, &retry_after);
  if (!admitted.ok() && !IsOfIssuedForm(presented)) {
    (void)PassedAdmission(*call, admitted, retry_after);
    return call->reactor();
  }
  deps_.runner->OnDatabase(call, [this, call, response, token_hash = crypto::Sha256Hex(presented),
                                  address = std::move(address), admitted = std::move(admitted),
                                  retry_after = std::move(retry_after)]() {
    // Past the limit only an unused token may go on: a replayed one would write its reuse
    // again, and a made-up one would be counted again, neither of which the limit allows.
    if (!admitted.ok()) {
      absl::StatusOr<bool> unused = deps_.refresh_tokens->IsUnused(token_hash);
      if (!unused.ok()) {
        call->Finish(unused.status());
        return;
      }
      if (!*unused) {
        (void)PassedAdmission(*call, admitted, retry_after);
        return;
      }
    }
    // Filled in by the grant function, which Rotate() calls only for a live, unused token (and
    // which refuses one whose family has ended: Rotate() returns that refusal).
    std::optional<IssuedSession> issued;
    auto grant = [&](const repository::RefreshToken& current) -> absl::StatusOr<SessionGrant> {
      absl::StatusOr<IssuedSession> next =
          deps_.session_issuer->IssueSuccessor(current, CallerPeer(*call->context()));
      if (!next.ok()) return next.status();
      issued = *std::move(next);
      return issued->grant;
    };
    TokenOwner owner;  // whose the presented token is, to name in a reuse
    absl::StatusOr<RotationOutcome> outcome =
        deps_.refresh_tokens->Rotate(token_hash, reuse_grace_, grant, &owner);
    if (!outcome.ok()) {
      if (outcome.status().code() == absl::StatusCode::kNotFound) {
        // One line per failure up to the address limit, then the address is refused (and the
        // refusal audited once): the audit log is bounded like the database work.
        deps_.audit_log->RecordEvent(AuditEventType::kRefreshFailure, /*user_id=*/0, address,
                                     "unknown_expired_or_revoked");
        deps_.gate->CountRefreshFailure(address);
      }
      call->Finish(outcome.status().code() == absl::StatusCode::kNotFound
                       ? absl::UnauthenticatedError("refresh token unknown, expired or revoked")
                       : outcome.status());
      return;
    }
    switch (*outcome) {
      case RotationOutcome::kRotated:
        break;
      case RotationOutcome::kReuseDetected:
        // Someone presented a token that was already exchanged: one of the two holders is not
        // its owner. The family is revoked; both must log in again.
        LOG(WARNING) << "refresh token reuse detected for user " << owner.user_id
                     << ": session family " << owner.family_id << " revoked";
        deps_.runner->metrics().RecordRefreshReuseDetected();
        deps_.audit_log->RecordEvent(AuditEventType::kReuseDetected, owner.user_id, address,
                                     "family_revoked", /*session_id=*/"", owner.family_id);
        // A failure like an unknown token: replaying an old token writes the revocation again,
        // so the address limit bounds those writes too.
        deps_.gate->CountRefreshFailure(address);
        call->Finish(absl::UnauthenticatedError("refresh token already used"));
        return;
      case RotationOutcome::kReusedInGrace:
        // Most likely a client retrying a lost response; recorded all the same.
        deps_.audit_log->RecordEvent(AuditEventType::kReuseDetected, owner.user_id, address,
                                     "within_grace", /*session_id=*/"", owner.family_id);
        deps_.gate->CountRefreshFailure(address);
        call->Finish(absl::UnauthenticatedError("refresh token already used"));
        return;
    }
    if (!issued.has_value()) {
      call->Finish(absl::InternalError("rotation granted no session"));
      return;
    }
    deps_.runner->metrics().RecordSessionsCreated(1);
    const repository::Session& session = issued->grant.session;
    deps_.audit_log->RecordEvent(AuditEventType::kRefresh, session.user_id, address,
                                 /*reason=*/"", session.jti, issued->grant.refresh_token.family_id);
    const SessionCookies cookies{session.user_id,
                                 issued->access_token,
                                 session.expires_at,
                                 issued->refresh_token,
                                 issued->grant.refresh_token.expires_at,
                                 IsBrowserCall(*call->context())};
    for (const std::string& cookie : SetSessionCookies(cookies, absl::Now(), deps_.cookie_names)) {
      call->context()->AddInitialMetadata(authn::kSetCookieHeader, cookie);
    }
    response->set_user_id(static_cast<int32_t>(session.user_id));
    // A browser's tokens stay in its HttpOnly cookies: a page script that posts {} here (the
    // cookie rides along) must not read a fresh refresh token out of the answer.
    if (!IsBrowserCall(*call->context())) {
      response->set_jwt_token(issued->access_token);
      response->set_refresh_token(issued->refresh_token);
    }
    response->set_expires_at_unix_seconds(absl::ToUnixSeconds(session.expires_at));
    call->Finish(absl::OkStatus());
  });
  return call->reactor();
}

}  // namespace auth::service
