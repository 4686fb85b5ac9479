// LogoutHandler; see logout_handler.h.
#include "services/auth/session/logout_handler.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/authn/credentials.h"
#include "libs/crypto/sha256.h"
#include "services/auth/rpc/browser_call.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/rpc/status_mapping.h"
#include "services/auth/session/access_token.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

using audit::AuditEventType;
using auth::v1::LogoutRequest;
using auth::v1::LogoutResponse;

LogoutHandler::LogoutHandler(Deps deps, SessionBatchOptions options) : deps_(deps) {
  CHECK(deps_.refresh_tokens && deps_.verifier && deps_.runner && deps_.audit_log && deps_.gate)
      << "LogoutHandler needs every dependency";
  batcher_ = std::make_unique<Batcher>(
      deps_.runner->database_executor(),
      Batcher::Options{"logouts", options.max_batch, options.in_flight, options.queue},
      [this](std::vector<Pending>& batch) { LogoutBatch(batch); },
      // A call the batcher could not serve is answered like one the executor refused.
      [](Pending& pending, const absl::Status& status) {
        pending.call->Finish(ExecutorRejection(status));
      });
}

LogoutHandler::~LogoutHandler() = default;

void LogoutHandler::Deny(UnaryCall& call, const absl::Status& denial, absl::string_view reason,
                         int64_t user_id) {
  int64_t suppressed = 0;
  if (denials_.Admit(absl::Now(), &suppressed)) {
    audit::AuditEvent event;
    event.type = AuditEventType::kLogoutDenied;
    event.user_id = user_id;  // the token's user, when a valid token was presented
    event.client_address = CallerAddress(*call.context());
    event.reason = std::string(reason);
    event.suppressed = suppressed;
    deps_.audit_log->Record(event);
  }
  call.Finish(denial);
}

grpc::ServerUnaryReactor* LogoutHandler::Handle(grpc::CallbackServerContext* context,
                                                const LogoutRequest* request,
                                                LogoutResponse* response) {
  auto call = deps_.runner->Start(context, metrics::Rpc::kLogout);
  // Whatever the outcome (a refused or expired token, another user's, a database outage), the
  // client that asked to sign out is left with no session cookie: a browser at a shared
  // computer must not keep a session its user tried to end.
  for (const std::string& cookie :
       ExpiredSessionCookies(deps_.cookie_names, IsBrowserCall(*context))) {
    context->AddInitialMetadata(authn::kSetCookieHeader, cookie);
  }
  if (request->user_id() <= 0) {
    call->Finish(absl::InvalidArgumentError("user_id: must be a positive user id"));
    return call->reactor();
  }
  const authn::Headers headers = authn::ToHeaders(context->client_metadata());
  absl::StatusOr<std::string> token =
      authn::ExtractAccessToken(headers, deps_.cookie_names.TokenSources());
  absl::StatusOr<VerifiedAccessToken> verified =
      token.ok() ? VerifyAccessToken(*deps_.verifier, *token) : token.status();
  if (!verified.ok()) {
    // An idle browser's access token (and its cookie) expire long before its refresh token,
    // whose cookie reaches this route too: that still signs it out.
    std::optional<std::string> refresh_token = RefreshTokenCookie(headers, deps_.cookie_names);
    if (refresh_token.has_value() && !refresh_token->empty() &&
        refresh_token->size() <= kMaxRefreshTokenBytes) {
      LogoutWithRefreshToken(call, *request, response, crypto::Sha256Hex(*refresh_token));
    } else {
      Deny(*call, verified.status(), token.ok() ? "invalid_token" : "no_token");
    }
    return call->reactor();
  }
  if (verified->user_id != request->user_id()) {
    Deny(*call, absl::PermissionDeniedError("the token belongs to another user"), "other_user",
         verified->user_id);
    return call->reactor();
  }
  Pending pending{call, response, {}};
  pending.request.session_jti = verified->claims.jwt_id;
  pending.request.user_id = verified->user_id;
  pending.request.token_hash = std::move(verified->token_hash);
  pending.request.current_session_only = request->current_session_only();
  if (absl::Status queued = batcher_->Add(std::move(pending), call->deadline()); !queued.ok()) {
    call->Finish(ExecutorRejection(queued));
  }
  return call->reactor();
}

void LogoutHandler::LogoutWithRefreshToken(const std::shared_ptr<UnaryCall>& call,
                                           const LogoutRequest& request, LogoutResponse* response,
                                           std::string refresh_token_hash) {
  // An address whose failed refreshes used up its limit is refused here, on the gRPC thread,
  // as at RefreshToken: garbage cookies cost the database nothing.
  std::string address = CallerAddress(*call->context());
  std::string retry_after;
  if (!PassedAdmission(*call, deps_.gate->CheckRefresh(address, &retry_after), retry_after)) {
    return;
  }
  // Not batched: few clients sign out after their access token expired.
  deps_.runner->OnDatabase(
      call, [this, call, response, user_id = request.user_id(),
             current_session_only = request.current_session_only(),
             hash = std::move(refresh_token_hash), address = std::move(address)]() {
        absl::StatusOr<int64_t> revoked =
            deps_.refresh_tokens->LogoutWithRefreshToken(hash, user_id, current_session_only);
        if (!revoked.ok()) {
          switch (revoked.status().code()) {
            case absl::StatusCode::kNotFound:
              deps_.gate->CountRefreshFailure(address);
              call->Finish(absl::UnauthenticatedError("refresh token unknown, expired or revoked"));
              return;
            case absl::StatusCode::kPermissionDenied:
              call->Finish(absl::PermissionDeniedError("the token belongs to another user"));
              return;
            default:
              call->Finish(revoked.status());
              return;
          }
        }
        deps_.runner->metrics().RecordSessionsRevoked(*revoked);
        deps_.audit_log->RecordEvent(AuditEventType::kLogout, user_id, address,
                                     current_session_only ? "current_session" : "all_sessions");
        Answer(*call, response);
      });
}

void LogoutHandler::LogoutBatch(std::vector<Pending>& batch) {
  const std::vector<Pending*> live = StillWaiting(batch);
  if (live.empty()) return;
  std::vector<repository::LogoutRequest> requests;
  requests.reserve(live.size());
  for (const Pending* pending : live) requests.push_back(pending->request);
  deps_.runner->metrics().RecordDatabaseBatch(metrics::Rpc::kLogout,
                                              static_cast<int64_t>(live.size()));
  // One transaction for the batch: each presented session is checked (active, this user's,
  // this token's) and the sessions and refresh tokens of the valid ones are revoked.
  absl::StatusOr<repository::LogoutResults> results = deps_.refresh_tokens->LogoutMany(requests);
  if (results.ok() && results->logged_out.size() != live.size()) {
    results = absl::InternalError("logout results do not match the requests");
  }
  if (!results.ok()) {
    for (Pending* pending : live) pending->call->Finish(results.status());
    return;
  }
  deps_.runner->metrics().RecordSessionsRevoked(results->sessions_revoked);
  for (size_t i = 0; i < live.size(); ++i) {
    if (!results->logged_out[i]) {
      Deny(*live[i]->call, absl::UnauthenticatedError("session ended, unknown or not this token's"),
           "session_ended", live[i]->request.user_id);
      continue;
    }
    const repository::LogoutRequest& request = live[i]->request;
    deps_.audit_log->RecordEvent(
        AuditEventType::kLogout, request.user_id, CallerAddress(*live[i]->call->context()),
        request.current_session_only ? "current_session" : "all_sessions", request.session_jti);
    Answer(*live[i]->call, live[i]->response);
  }
}

void LogoutHandler::Answer(UnaryCall& call, LogoutResponse* response) {
  response->set_message(kLoggedOutMessage);
  response->set_status(kLoggedOutStatus);
  call.Finish(absl::OkStatus());
}

}  // namespace auth::service
