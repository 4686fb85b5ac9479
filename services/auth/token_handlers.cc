// AuthServiceImpl: the token RPCs (ValidateToken, RefreshToken, GetJwks) and IssueSession(),
// which Login shares. Register, Login and Logout are in auth_service.cc.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/metrics/auth_metrics.h"
#include "services/auth/auth_service.h"
#include "services/auth/call.h"
#include "services/auth/credentials.h"
#include "services/auth/opaque_tokens.h"

namespace auth::service {
namespace {

using auth::v1::GetJwksRequest;
using auth::v1::GetJwksResponse;
using auth::v1::RefreshTokenRequest;
using auth::v1::RefreshTokenResponse;
using auth::v1::ValidateTokenRequest;
using auth::v1::ValidateTokenResponse;
// (repository::RefreshToken stays qualified: AuthServiceImpl::RefreshToken is the RPC.)
using repository::RotationOutcome;
using repository::SessionGrant;

// The API's user_id is an int32: a larger id would be silently truncated on the wire.
bool FitsApiUserId(int64_t user_id) {
  return user_id > 0 && user_id <= std::numeric_limits<int32_t>::max();
}

}  // namespace

absl::StatusOr<AuthServiceImpl::IssuedSession> AuthServiceImpl::IssueSession(
    int64_t user_id, absl::string_view family_id, absl::string_view client_address) const {
  absl::StatusOr<token::IssuedToken> access = deps_.issuer->Issue(absl::StrCat(user_id));
  if (!access.ok()) return access.status();
  absl::StatusOr<std::string> refresh = NewRefreshToken();
  if (!refresh.ok()) return refresh.status();

  IssuedSession issued;
  repository::Session& session = issued.grant.session;
  session.jti = access->claims.jwt_id;
  session.user_id = user_id;
  session.expires_at = access->claims.expires_at;
  session.token_hash = Sha256Hex(access->token);
  session.client_address = std::string(client_address);
  repository::RefreshToken& refresh_row = issued.grant.refresh_token;
  refresh_row.token_hash = Sha256Hex(*refresh);
  refresh_row.family_id = family_id.empty() ? session.jti : std::string(family_id);
  refresh_row.session_jti = session.jti;
  refresh_row.user_id = user_id;
  refresh_row.expires_at = absl::Now() + options_.refresh_token_lifetime;
  if (deps_.issued_tokens != nullptr) {
    deps_.issued_tokens->Remember(access->token, access->claims);
  }
  issued.access_token = std::move(access->token);
  issued.refresh_token = *std::move(refresh);
  return issued;
}

grpc::ServerUnaryReactor* AuthServiceImpl::ValidateToken(grpc::CallbackServerContext* context,
                                                         const ValidateTokenRequest* request,
                                                         ValidateTokenResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kValidateToken);
  const std::string& token = request->token();
  if (token.empty() || token.size() > kMaxTokenBytes) {
    call->Finish(absl::InvalidArgumentError(
        absl::StrCat("token: must be 1 to ", kMaxTokenBytes, " bytes")));
    return call->reactor();
  }
  // Signature checks are microseconds: cheap enough for the gRPC thread.
  absl::StatusOr<token::TokenClaims> claims = deps_.verifier->Verify(token);
  if (!claims.ok()) {
    call->Finish(absl::UnauthenticatedError(claims.status().message()));
    return call->reactor();
  }
  int64_t user_id = 0;
  if (!absl::SimpleAtoi(claims->subject, &user_id) || !FitsApiUserId(user_id)) {
    call->Finish(absl::UnauthenticatedError("token subject is not a user id"));
    return call->reactor();
  }
  PendingValidation pending{call, response, user_id, *std::move(claims), Sha256Hex(token)};
  if (absl::Status queued = validations_->Add(std::move(pending), call->deadline());
      !queued.ok()) {
    call->Finish(ExecutorRejection(queued));
  }
  return call->reactor();
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
    pending->response->set_user_id(static_cast<int32_t>(pending->user_id));
    pending->response->set_session_id(pending->claims.jwt_id);
    pending->response->set_expires_at_unix_seconds(
        absl::ToUnixSeconds(pending->claims.expires_at));
    pending->call->Finish(absl::OkStatus());
  }
}

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
  RunOn(*deps_.database_executor, call, [this, call, response,
                                         token_hash = Sha256Hex(presented)]() {
    // Filled in by the grant function, which Rotate() calls only for a live, unused token.
    std::optional<IssuedSession> issued;
    auto grant = [&](const repository::RefreshToken& current) -> absl::StatusOr<SessionGrant> {
      if (!FitsApiUserId(current.user_id)) {
        LOG(ERROR) << "user id " << current.user_id << " does not fit the API's int32 user_id";
        return absl::InternalError("user id out of range");
      }
      absl::StatusOr<IssuedSession> next =
          IssueSession(current.user_id, current.family_id, call->context()->peer());
      if (!next.ok()) return next.status();
      issued = *std::move(next);
      return issued->grant;
    };
    absl::StatusOr<RotationOutcome> outcome =
        deps_.refresh_tokens->Rotate(token_hash, options_.refresh_reuse_grace, grant);
    if (!outcome.ok()) {
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
        LOG(WARNING) << "refresh token reuse detected; its session family was revoked";
        deps_.metrics->RecordRefreshReuseDetected();
        call->Finish(absl::UnauthenticatedError("refresh token already used"));
        return;
      case RotationOutcome::kReusedInGrace:
        call->Finish(absl::UnauthenticatedError("refresh token already used"));
        return;
    }
    if (!issued.has_value()) {
      call->Finish(absl::InternalError("rotation granted no session"));
      return;
    }
    deps_.metrics->RecordSessionsCreated(1);
    const repository::Session& session = issued->grant.session;
    response->set_user_id(static_cast<int32_t>(session.user_id));
    response->set_jwt_token(issued->access_token);
    response->set_refresh_token(issued->refresh_token);
    response->set_expires_at_unix_seconds(absl::ToUnixSeconds(session.expires_at));
    call->Finish(absl::OkStatus());
  });
  return call->reactor();
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetJwks(grpc::CallbackServerContext* context,
                                                   const GetJwksRequest* /*request*/,
                                                   GetJwksResponse* response) {
  auto call = StartCall(context, metrics::Rpc::kGetJwks);
  response->set_jwks_json(options_.jwks_json);
  call->Finish(absl::OkStatus());
  return call->reactor();
}

}  // namespace auth::service
