// The session checks: ValidateToken (a token in the request) and GetSession (the caller's own
// token, Bearer or jwt-token cookie). Both verify the token on the gRPC thread (access_token.h)
// and then check its session in the database: calls that arrive while the database workers are
// busy wait in a MicroBatcher and are answered together by one SELECT.
//
//   SessionValidator validator(&sessions, &verifier, &runner, batch_options);
//   ValidateTokenHandler validate_token(&validator);
//   GetSessionHandler get_session(&validator);
//   return validate_token.Handle(context, request, response);
#ifndef SERVICES_AUTH_SESSION_VALIDATE_TOKEN_HANDLER_H_
#define SERVICES_AUTH_SESSION_VALIDATE_TOKEN_HANDLER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/audit/audit_sampler.h"
#include "libs/executor/micro_batcher.h"
#include "libs/repository/session_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/token/token.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/session_batch_options.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

// Answers a call with whether a presented access token's session is open (and the session).
class SessionValidator {
 public:
  // Nothing is owned; everything must outlive the validator, whose batch tasks run on the
  // runner's database executor (shut that down before destroying the validator).
  // A rejected token is recorded in `audit_log` (token_rejected), sampled: at most
  // AuditSampler::kDefaultPerSecond lines a second, since anyone can send made-up tokens at
  // line rate for free. Null records nothing.
  // `users`, if not null, is read for GetSession's email_verified (one read per GetSession
  // call; ValidateToken reads no user).
  SessionValidator(repository::SessionRepository* sessions,
                   const token::PrehashedTokenVerifier* verifier, const CallRunner* runner,
                   SessionBatchOptions options, audit::AuditLog* audit_log = nullptr,
                   repository::UserRepository* users = nullptr);
  ~SessionValidator();

  // Checks `token` and finishes `call`, filling exactly one of the two responses (the other
  // is null) when its session is open.
  void Check(const std::shared_ptr<UnaryCall>& call, const std::string& token,
             auth::v1::ValidateTokenResponse* validate_response,
             auth::v1::GetSessionResponse* session_response);

  const CallRunner& runner() const { return *runner_; }

 private:
  // Finishes `call` with `rejection`, recording a sampled token_rejected for `reason`.
  void Reject(UnaryCall& call, const absl::Status& rejection, absl::string_view reason);

  // A call whose token passed the checks that need no database.
  struct Pending {
    std::shared_ptr<UnaryCall> call;
    auth::v1::ValidateTokenResponse* validate_response = nullptr;
    auth::v1::GetSessionResponse* session_response = nullptr;
    int64_t user_id = 0;
    token::TokenClaims claims;
    std::string token_hash;
  };
  using Batcher = executor::MicroBatcher<Pending>;

  // Answers a batch of calls with one database read.
  void ValidateBatch(std::vector<Pending>& batch);

  repository::SessionRepository* sessions_;
  repository::UserRepository* users_;
  const token::PrehashedTokenVerifier* verifier_;
  const CallRunner* runner_;
  audit::AuditLog* audit_log_;
  audit::AuditSampler rejections_;
  std::unique_ptr<Batcher> batcher_;
};

// The ValidateToken RPC.
class ValidateTokenHandler {
 public:
  explicit ValidateTokenHandler(SessionValidator* validator) : validator_(validator) {}

  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const auth::v1::ValidateTokenRequest* request,
                                   auth::v1::ValidateTokenResponse* response) const;

 private:
  SessionValidator* validator_;
};

// The GetSession RPC: ValidateToken for the token the caller presents, read as Logout reads it.
class GetSessionHandler {
 public:
  // `cookie_names`: the access-token cookie it reads (--cookie_prefix).
  explicit GetSessionHandler(SessionValidator* validator, SessionCookieNames cookie_names = {})
      : validator_(validator), cookie_names_(std::move(cookie_names)) {}

  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const auth::v1::GetSessionRequest* request,
                                   auth::v1::GetSessionResponse* response) const;

 private:
  SessionValidator* validator_;
  const SessionCookieNames cookie_names_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SESSION_VALIDATE_TOKEN_HANDLER_H_
