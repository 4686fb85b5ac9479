// SessionValidator, ValidateTokenHandler, GetSessionHandler; see validate_token_handler.h.
#include "services/auth/session/validate_token_handler.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/authn/credentials.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/rpc/status_mapping.h"
#include "services/auth/session/access_token.h"

namespace auth::service {
namespace {

// What ValidateToken and GetSession answer for a live session.
template <typename Response>
void FillSession(int64_t user_id, const token::TokenClaims& claims, Response& response) {
  response.set_user_id(static_cast<int32_t>(user_id));
  response.set_session_id(claims.jwt_id);
  response.set_expires_at_unix_seconds(absl::ToUnixSeconds(claims.expires_at));
  for (const std::string& method : claims.amr) response.add_amr(method);
}

}  // namespace

SessionValidator::SessionValidator(repository::SessionRepository* sessions,
                                   const token::PrehashedTokenVerifier* verifier,
                                   const CallRunner* runner, SessionBatchOptions options,
                                   audit::AuditLog* audit_log, repository::UserRepository* users)
    : sessions_(sessions),
      users_(users),
      verifier_(verifier),
      runner_(runner),
      audit_log_(audit_log) {
  CHECK(sessions_ && verifier_ && runner_) << "SessionValidator needs every dependency";
  batcher_ = std::make_unique<Batcher>(
      runner_->database_executor(),
      Batcher::Options{"validations", options.max_batch, options.in_flight, options.queue},
      [this](std::vector<Pending>& batch) { ValidateBatch(batch); },
      // A call the batcher could not serve is answered like one the executor refused.
      [](Pending& pending, const absl::Status& status) {
        pending.call->Finish(ExecutorRejection(status));
      });
}

SessionValidator::~SessionValidator() = default;

void SessionValidator::Reject(UnaryCall& call, const absl::Status& rejection,
                              absl::string_view reason) {
  int64_t suppressed = 0;
  if (audit_log_ != nullptr && rejections_.Admit(absl::Now(), &suppressed)) {
    audit::AuditEvent event;
    event.type = audit::AuditEventType::kTokenRejected;
    event.client_address = CallerAddress(*call.context());
    event.reason = std::string(reason);
    event.suppressed = suppressed;
    audit_log_->Record(event);
  }
  call.Finish(rejection);
}

void SessionValidator::Check(const std::shared_ptr<UnaryCall>& call, const std::string& token,
                             auth::v1::ValidateTokenResponse* validate_response,
                             auth::v1::GetSessionResponse* session_response) {
  absl::StatusOr<VerifiedAccessToken> verified = VerifyAccessToken(*verifier_, token);
  if (!verified.ok()) {
    Reject(*call, verified.status(), "invalid_token");
    return;
  }
  Pending pending;
  pending.call = call;
  pending.validate_response = validate_response;
  pending.session_response = session_response;
  pending.user_id = verified->user_id;
  pending.claims = std::move(verified->claims);
  pending.token_hash = std::move(verified->token_hash);
  if (absl::Status queued = batcher_->Add(std::move(pending), call->deadline()); !queued.ok()) {
    call->Finish(ExecutorRejection(queued));
  }
}

void SessionValidator::ValidateBatch(std::vector<Pending>& batch) {
  const std::vector<Pending*> live = StillWaiting(batch);
  if (live.empty()) return;
  std::vector<std::string> jtis;
  jtis.reserve(live.size());
  for (const Pending* pending : live) jtis.push_back(pending->claims.jwt_id);
  runner_->metrics().RecordDatabaseBatch(metrics::Rpc::kValidateToken,
                                         static_cast<int64_t>(live.size()));
  // The one database read, shared by the batch: which of these sessions are still open?
  absl::StatusOr<std::vector<repository::Session>> active = sessions_->FindActiveMany(jtis);
  if (!active.ok()) {
    for (Pending* pending : live) pending->call->Finish(active.status());
    return;
  }
  absl::flat_hash_map<absl::string_view, const repository::Session*> by_jti;
  for (const repository::Session& session : *active) by_jti.emplace(session.jti, &session);
  for (Pending* pending : live) {
    const auto found = by_jti.find(pending->claims.jwt_id);
    if (found == by_jti.end()) {
      Reject(*pending->call, absl::UnauthenticatedError("session ended or unknown"),
             "session_ended");
      continue;
    }
    const repository::Session& session = *found->second;
    if (session.user_id != pending->user_id || session.token_hash != pending->token_hash) {
      Reject(*pending->call, absl::UnauthenticatedError("token does not match its session"),
             "session_mismatch");
      continue;
    }
    if (pending->validate_response != nullptr) {
      FillSession(pending->user_id, pending->claims, *pending->validate_response);
    }
    if (pending->session_response != nullptr) {
      FillSession(pending->user_id, pending->claims, *pending->session_response);
      if (users_ != nullptr) {
        absl::StatusOr<repository::User> user = users_->FindById(pending->user_id);
        if (!user.ok() && user.status().code() != absl::StatusCode::kNotFound) {
          pending->call->Finish(user.status());
          continue;
        }
        pending->session_response->set_email_verified(user.ok() && user->email_verified);
      }
    }
    pending->call->Finish(absl::OkStatus());
  }
}

grpc::ServerUnaryReactor* ValidateTokenHandler::Handle(
    grpc::CallbackServerContext* context, const auth::v1::ValidateTokenRequest* request,
    auth::v1::ValidateTokenResponse* response) const {
  auto call = validator_->runner().Start(context, metrics::Rpc::kValidateToken);
  const std::string& token = request->token();
  if (token.empty() || token.size() > authn::kMaxTokenBytes) {
    call->Finish(absl::InvalidArgumentError(
        absl::StrCat("token: must be 1 to ", authn::kMaxTokenBytes, " bytes")));
    return call->reactor();
  }
  validator_->Check(call, token, response, /*session_response=*/nullptr);
  return call->reactor();
}

grpc::ServerUnaryReactor* GetSessionHandler::Handle(grpc::CallbackServerContext* context,
                                                    const auth::v1::GetSessionRequest* /*request*/,
                                                    auth::v1::GetSessionResponse* response) const {
  auto call = validator_->runner().Start(context, metrics::Rpc::kGetSession);
  absl::StatusOr<std::string> token = authn::ExtractAccessToken(
      authn::ToHeaders(context->client_metadata()), cookie_names_.TokenSources());
  if (!token.ok()) {
    call->Finish(token.status());
    return call->reactor();
  }
  validator_->Check(call, *token, /*validate_response=*/nullptr, response);
  return call->reactor();
}

}  // namespace auth::service
