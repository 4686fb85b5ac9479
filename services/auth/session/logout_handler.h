// LogoutHandler: the Logout RPC. Verifies the caller's access token (Bearer or jwt-token cookie)
// on the gRPC thread and checks it belongs to the request's user_id; then ends its session and
// refresh-token family (current_session_only) or every session of the user. Calls that arrive
// while the database workers are busy wait in a MicroBatcher and are answered together by one
// transaction. A caller whose access token is missing or no longer valid (expired: a browser
// left idle) signs out with its refresh-token cookie instead (`cookie` metadata, which the
// browser sends to this route too), checked against user_id the same way. Every answer, error
// or not, expires the session's cookies (set-cookie metadata, session_cookies.h). Unknown refresh
// tokens count against the caller's address as failed refreshes do (AttemptGate), and an address
// past that limit is refused from memory: garbage cookies cannot make the database work.
//
//   LogoutHandler handler(deps, batch_options);
//   return handler.Handle(context, request, response);   // from AuthServiceImpl::Logout
#ifndef SERVICES_AUTH_SESSION_LOGOUT_HANDLER_H_
#define SERVICES_AUTH_SESSION_LOGOUT_HANDLER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/audit/audit_log.h"
#include "libs/audit/audit_sampler.h"
#include "libs/executor/micro_batcher.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/token/token.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/rpc/call_runner.h"
#include "services/auth/rpc/unary_call.h"
#include "services/auth/session/session_batch_options.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

inline constexpr char kLoggedOutMessage[] = "User logout successfully";
inline constexpr int kLoggedOutStatus = 200;

class LogoutHandler {
 public:
  // Nothing is owned; everything must outlive the handler, whose batch tasks run on the
  // runner's database executor (shut that down before destroying the handler).
  struct Deps {
    repository::RefreshTokenRepository* refresh_tokens = nullptr;
    const token::PrehashedTokenVerifier* verifier = nullptr;
    const CallRunner* runner = nullptr;
    audit::AuditLog* audit_log = nullptr;
    SessionCookieNames cookie_names;  // --cookie_prefix
    // The refresh-failure limit: a refresh token presented here counts as at RefreshToken.
    const AttemptGate* gate = nullptr;
  };

  LogoutHandler(Deps deps, SessionBatchOptions options);
  ~LogoutHandler();

  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const auth::v1::LogoutRequest* request,
                                   auth::v1::LogoutResponse* response);

 private:
  // A call whose token passed the checks that need no database.
  struct Pending {
    std::shared_ptr<UnaryCall> call;
    auth::v1::LogoutResponse* response = nullptr;
    repository::LogoutRequest request;
  };
  using Batcher = executor::MicroBatcher<Pending>;

  // Answers a batch of calls with one database transaction.
  void LogoutBatch(std::vector<Pending>& batch);

  // Logs out the user of the refresh token whose digest is `refresh_token_hash` (a caller with
  // no valid access token), on the database executor.
  void LogoutWithRefreshToken(const std::shared_ptr<UnaryCall>& call,
                              const auth::v1::LogoutRequest& request,
                              auth::v1::LogoutResponse* response, std::string refresh_token_hash);

  // The answer to a call that logged out.
  static void Answer(UnaryCall& call, auth::v1::LogoutResponse* response);

  // Finishes `call` with `denial`, recording a sampled logout_denied for `reason` (a denial
  // costs the caller nothing when the token is made up: unsampled, a flood would fill the log).
  void Deny(UnaryCall& call, const absl::Status& denial, absl::string_view reason,
            int64_t user_id = 0);

  Deps deps_;
  audit::AuditSampler denials_;
  std::unique_ptr<Batcher> batcher_;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SESSION_LOGOUT_HANDLER_H_
