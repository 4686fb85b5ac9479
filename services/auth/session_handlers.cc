// AuthServiceImpl: the session flows. ValidateToken and Logout, each with the batch that answers
// the calls queued behind a busy database in one round trip, and RefreshToken. Register and
// Login are in auth_service.cc.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/audit/audit_log.h"
#include "libs/authn/credentials.h"
#include "libs/authn/user_id.h"
#include "libs/metrics/auth_metrics.h"
#include "libs/token/token_digest.h"
#include "services/auth/attempt_gate.h"
#include "services/auth/caller_peer.h"
#include "services/auth/auth_service.h"
#include "services/auth/opaque_tokens.h"
#include "services/auth/status_mapping.h"
#include "services/auth/unary_call.h"

namespace auth::service {
namespace {

using audit::AuditEventType;
using auth::v1::GetSessionRequest;
using auth::v1::GetSessionResponse;
using auth::v1::LogoutRequest;
using auth::v1::LogoutResponse;
using auth::v1::RefreshTokenRequest;
using auth::v1::RefreshTokenResponse;
using auth::v1::ValidateTokenRequest;
using auth::v1::ValidateTokenResponse;
// (repository::RefreshToken stays qualified: AuthServiceImpl::RefreshToken is the RPC.)
using repository::RotationOutcome;
using repository::SessionGrant;
using repository::TokenOwner;

// What ValidateToken and GetSession answer for a live session.
template <typename Response>
void FillSession(int64_t user_id, const token::TokenClaims& claims, Response& response) {
  response.set_user_id(static_cast<int32_t>(user_id));
  response.set_session_id(claims.jwt_id);
  response.set_expires_at_unix_seconds(absl::ToUnixSeconds(claims.expires_at));
}

// A call the batcher could not serve is answered like one the executor refused.
template <typename Pending>
void Refuse(Pending& pending, const absl::Status& status) {
  pending.call->Finish(ExecutorRejection(status));
}

}  // namespace

// --- ValidateToken ---

std::unique_ptr<AuthServiceImpl::ValidationBatcher> AuthServiceImpl::NewValidationBatcher(
    int in_flight) {
  return std::make_unique<ValidationBatcher>(
      *deps_.database_executor,
      ValidationBatcher::Options{"validations", options_.max_database_batch, in_flight,
                                 options_.database_batch_queue},
      [this](std::vector<PendingValidation>& batch) { ValidateBatch(batch); },
      Refuse<PendingValidation>);
}

grpc::ServerUnaryReactor* AuthServiceImpl::ValidateToken(grpc::CallbackServerContext* context,
                                                         const ValidateTokenRequest* request,
                                                         ValidateTokenResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kValidateToken);
  const std::string& token = request->token();
  if (token.empty() || token.size() > authn::kMaxTokenBytes) {
    call->Finish(absl::InvalidArgumentError(
        absl::StrCat("token: must be 1 to ", authn::kMaxTokenBytes, " bytes")));
    return call->reactor();
  }
  PendingValidation pending;
  pending.response = response;
  CheckSession(call, token, std::move(pending));
  return call->reactor();
}

// GetSession is ValidateToken for the token the caller presents (Bearer or jwt-token cookie),
// the way Logout reads it.
grpc::ServerUnaryReactor* AuthServiceImpl::GetSession(grpc::CallbackServerContext* context,
                                                      const GetSessionRequest* /*request*/,
                                                      GetSessionResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kGetSession);
  absl::StatusOr<std::string> token = authn::ExtractAccessToken(ClientHeaders(*context));
  if (!token.ok()) {
    call->Finish(token.status());
    return call->reactor();
  }
  PendingValidation pending;
  pending.session_response = response;
  CheckSession(call, *token, std::move(pending));
  return call->reactor();
}

void AuthServiceImpl::CheckSession(const std::shared_ptr<UnaryCall>& call,
                                   const std::string& token, PendingValidation pending) {
  // Hashed once: the digest keys the verdict cache and is what the session row stores.
  const token::TokenDigest digest = token::DigestToken(token);
  // Signature checks are microseconds: cheap enough for the gRPC thread.
  absl::StatusOr<token::TokenClaims> claims = deps_.verifier->VerifyPrehashed(token, digest);
  if (!claims.ok()) {
    call->Finish(absl::UnauthenticatedError(claims.status().message()));
    return;
  }
  const std::optional<int32_t> user_id = authn::UserIdFromSubject(claims->subject);
  if (!user_id.has_value()) {
    call->Finish(absl::UnauthenticatedError("token subject is not a user id"));
    return;
  }
  pending.call = call;
  pending.user_id = *user_id;
  pending.claims = *std::move(claims);
  pending.token_hash = token::DigestHex(digest);
  if (absl::Status queued = validations_->Add(std::move(pending), call->deadline()); !queued.ok()) {
    call->Finish(ExecutorRejection(queued));
  }
}

void AuthServiceImpl::ValidateBatch(std::vector<PendingValidation>& batch) {
  const std::vector<PendingValidation*> live = StillWaiting(batch);
  if (live.empty()) return;
  std::vector<std::string> jtis;
  jtis.reserve(live.size());
  for (const PendingValidation* pending : live) jtis.push_back(pending->claims.jwt_id);
  deps_.metrics->RecordDatabaseBatch(metrics::Rpc::kValidateToken,
                                     static_cast<int64_t>(live.size()));
  // The one database read, shared by the batch: which of these sessions are still open?
  absl::StatusOr<std::vector<repository::Session>> active = deps_.sessions->FindActiveMany(jtis);
  if (!active.ok()) {
    for (PendingValidation* pending : live) pending->call->Finish(active.status());
    return;
  }
  absl::flat_hash_map<absl::string_view, const repository::Session*> by_jti;
  for (const repository::Session& session : *active) by_jti.emplace(session.jti, &session);
  for (PendingValidation* pending : live) {
    const auto found = by_jti.find(pending->claims.jwt_id);
    if (found == by_jti.end()) {
      pending->call->Finish(absl::UnauthenticatedError("session ended or unknown"));
      continue;
    }
    const repository::Session& session = *found->second;
    if (session.user_id != pending->user_id || session.token_hash != pending->token_hash) {
      pending->call->Finish(absl::UnauthenticatedError("token does not match its session"));
      continue;
    }
    if (pending->response != nullptr) {
      FillSession(pending->user_id, pending->claims, *pending->response);
    }
    if (pending->session_response != nullptr) {
      FillSession(pending->user_id, pending->claims, *pending->session_response);
    }
    pending->call->Finish(absl::OkStatus());
  }
}

// --- Logout ---

std::unique_ptr<AuthServiceImpl::LogoutBatcher> AuthServiceImpl::NewLogoutBatcher(int in_flight) {
  return std::make_unique<LogoutBatcher>(
      *deps_.database_executor,
      LogoutBatcher::Options{"logouts", options_.max_database_batch, in_flight,
                             options_.database_batch_queue},
      [this](std::vector<PendingLogout>& batch) { LogoutBatch(batch); }, Refuse<PendingLogout>);
}

grpc::ServerUnaryReactor* AuthServiceImpl::Logout(grpc::CallbackServerContext* context,
                                                  const LogoutRequest* request,
                                                  LogoutResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kLogout);
  if (request->user_id() <= 0) {
    call->Finish(absl::InvalidArgumentError("user_id: must be a positive user id"));
    return call->reactor();
  }
  absl::StatusOr<std::string> token = authn::ExtractAccessToken(ClientHeaders(*context));
  if (!token.ok()) {
    call->Finish(token.status());
    return call->reactor();
  }
  // Hashed once: the digest keys the verdict cache and is what the session row stores.
  const token::TokenDigest digest = token::DigestToken(*token);
  // Signature checks are microseconds: cheap enough for the gRPC thread.
  absl::StatusOr<token::TokenClaims> claims = deps_.verifier->VerifyPrehashed(*token, digest);
  if (!claims.ok()) {
    call->Finish(absl::UnauthenticatedError(claims.status().message()));
    return call->reactor();
  }
  const std::optional<int32_t> subject = authn::UserIdFromSubject(claims->subject);
  if (!subject.has_value()) {
    call->Finish(absl::UnauthenticatedError("token subject is not a user id"));
    return call->reactor();
  }
  if (*subject != request->user_id()) {
    call->Finish(absl::PermissionDeniedError("the token belongs to another user"));
    return call->reactor();
  }
  PendingLogout pending{call, response, {}};
  pending.request.session_jti = claims->jwt_id;
  pending.request.user_id = *subject;
  pending.request.token_hash = token::DigestHex(digest);
  pending.request.current_session_only = request->current_session_only();
  if (absl::Status queued = logouts_->Add(std::move(pending), call->deadline()); !queued.ok()) {
    call->Finish(ExecutorRejection(queued));
  }
  return call->reactor();
}

void AuthServiceImpl::LogoutBatch(std::vector<PendingLogout>& batch) {
  const std::vector<PendingLogout*> live = StillWaiting(batch);
  if (live.empty()) return;
  std::vector<repository::LogoutRequest> requests;
  requests.reserve(live.size());
  for (const PendingLogout* pending : live) requests.push_back(pending->request);
  deps_.metrics->RecordDatabaseBatch(metrics::Rpc::kLogout, static_cast<int64_t>(live.size()));
  // One transaction for the batch: each presented session is checked (active, this user's,
  // this token's) and the sessions and refresh tokens of the valid ones are revoked.
  absl::StatusOr<repository::LogoutResults> results = deps_.refresh_tokens->LogoutMany(requests);
  if (results.ok() && results->logged_out.size() != live.size()) {
    results = absl::InternalError("logout results do not match the requests");
  }
  if (!results.ok()) {
    for (PendingLogout* pending : live) pending->call->Finish(results.status());
    return;
  }
  deps_.metrics->RecordSessionsRevoked(results->sessions_revoked);
  for (size_t i = 0; i < live.size(); ++i) {
    if (!results->logged_out[i]) {
      live[i]->call->Finish(
          absl::UnauthenticatedError("session ended, unknown or not this token's"));
      continue;
    }
    const repository::LogoutRequest& request = live[i]->request;
    Audit(AuditEventType::kLogout, request.user_id,
          ClientAddress(CallerPeer(*live[i]->call->context())),
          request.current_session_only ? "current_session" : "all_sessions", request.session_jti);
    live[i]->response->set_message(kLoggedOutMessage);
    live[i]->response->set_status(kLoggedOutStatus);
    live[i]->call->Finish(absl::OkStatus());
  }
}

// --- RefreshToken ---

grpc::ServerUnaryReactor* AuthServiceImpl::RefreshToken(grpc::CallbackServerContext* context,
                                                        const RefreshTokenRequest* request,
                                                        RefreshTokenResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kRefreshToken);
  const std::string& presented = request->refresh_token();
  if (presented.empty() || presented.size() > kMaxRefreshTokenBytes) {
    call->Finish(absl::InvalidArgumentError(
        absl::StrCat("refresh_token: must be 1 to ", kMaxRefreshTokenBytes, " bytes")));
    return call->reactor();
  }
  std::string address = ClientAddress(CallerPeer(*context));
  // An address whose failed refreshes used up its limit is refused here, on the gRPC thread:
  // a flood of garbage tokens from it costs the database nothing.
  std::string retry_after;
  if (!PassedGate(*call, gate_.CheckRefresh(address, &retry_after), retry_after)) {
    return call->reactor();
  }
  RunOn(
      *deps_.database_executor, call,
      [this, call, response, token_hash = Sha256Hex(presented), address = std::move(address)]() {
        // Filled in by the grant function, which Rotate() calls only for a live, unused token
        // (and which refuses one whose family has ended: Rotate() returns that refusal).
        std::optional<IssuedSession> issued;
        auto grant = [&](const repository::RefreshToken& current) -> absl::StatusOr<SessionGrant> {
          if (!authn::IsApiUserId(current.user_id)) {
            LOG(ERROR) << "user id " << current.user_id << " does not fit the API's int32 user_id";
            return absl::InternalError("user id out of range");
          }
          absl::StatusOr<IssuedSession> next =
              session_issuer_.IssueSuccessor(current, CallerPeer(*call->context()));
          if (!next.ok()) return next.status();
          issued = *std::move(next);
          return issued->grant;
        };
        TokenOwner owner;  // whose the presented token is, to name in a reuse
        absl::StatusOr<RotationOutcome> outcome =
            deps_.refresh_tokens->Rotate(token_hash, options_.refresh_reuse_grace, grant, &owner);
        if (!outcome.ok()) {
          if (outcome.status().code() == absl::StatusCode::kNotFound) {
            gate_.CountRefreshFailure(address);
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
            // Someone presented a token that was already exchanged: one of the two holders is
            // not its owner. The family is revoked; both must log in again.
            LOG(WARNING) << "refresh token reuse detected for user " << owner.user_id
                         << ": session family " << owner.family_id << " revoked";
            deps_.metrics->RecordRefreshReuseDetected();
            Audit(AuditEventType::kReuseDetected, owner.user_id, address, "family_revoked",
                  /*session_id=*/"", owner.family_id);
            call->Finish(absl::UnauthenticatedError("refresh token already used"));
            return;
          case RotationOutcome::kReusedInGrace:
            // Most likely a client retrying a lost response; recorded all the same.
            Audit(AuditEventType::kReuseDetected, owner.user_id, address, "within_grace",
                  /*session_id=*/"", owner.family_id);
            call->Finish(absl::UnauthenticatedError("refresh token already used"));
            return;
        }
        if (!issued.has_value()) {
          call->Finish(absl::InternalError("rotation granted no session"));
          return;
        }
        deps_.metrics->RecordSessionsCreated(1);
        const repository::Session& session = issued->grant.session;
        Audit(AuditEventType::kRefresh, session.user_id, address, /*reason=*/"", session.jti,
              issued->grant.refresh_token.family_id);
        response->set_user_id(static_cast<int32_t>(session.user_id));
        response->set_jwt_token(issued->access_token);
        response->set_refresh_token(issued->refresh_token);
        response->set_expires_at_unix_seconds(absl::ToUnixSeconds(session.expires_at));
        call->Finish(absl::OkStatus());
      });
  return call->reactor();
}

}  // namespace auth::service
