// AuthMetrics: what the auth service reports about itself (its calls, the hashing queue, the
// database pool, sessions), behind an interface so that handlers, libraries and their tests
// never see Prometheus.
//
//   metrics.RecordCall(Rpc::kLogin, absl::StatusCode::kOk, absl::Now() - start);
//   metrics.RecordSessionsCreated(1);
//
// Implementations: PrometheusAuthMetrics (prometheus_auth_metrics.h), NoopAuthMetrics
// (noop_auth_metrics.h), MockAuthMetrics (auth_metrics_mock.h). Every method is thread-safe
// and cheap enough to call on every RPC: no label strings are looked up per call, which is
// why RPCs are an enum rather than names.
#ifndef LIBS_METRICS_AUTH_METRICS_H_
#define LIBS_METRICS_AUTH_METRICS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace auth::metrics {

// The RPCs of auth.v1.AuthService, then of auth.v1.AccountService.
enum class Rpc {
  kRegister,
  kLogin,
  kLogout,
  kValidateToken,
  kRefreshToken,
  kGetJwks,
  kGetSession,
  kChangePassword,
  kRequestPasswordReset,
  kResetPassword,
  kSendEmailVerification,
  kVerifyEmail,
  // TOTP second factors: AuthService.CompleteLogin, then auth.v1.CredentialService's.
  kCompleteLogin,
  kBeginTotpEnrollment,
  kConfirmTotpEnrollment,
  kDisableTotp,
  kRegenerateRecoveryCodes,
  // Passkeys (services/auth/passkey).
  kBeginPasskeyRegistration,
  kFinishPasskeyRegistration,
  kListPasskeys,
  kDeletePasskey,
  kBeginPasskeyLogin,
  kFinishPasskeyLogin,
};
inline constexpr int kRpcCount = 23;

// The RPC's method name as in the proto ("Login"): the `method` label.
inline absl::string_view RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kRegister:
      return "Register";
    case Rpc::kLogin:
      return "Login";
    case Rpc::kLogout:
      return "Logout";
    case Rpc::kValidateToken:
      return "ValidateToken";
    case Rpc::kRefreshToken:
      return "RefreshToken";
    case Rpc::kGetJwks:
      return "GetJwks";
    case Rpc::kGetSession:
      return "GetSession";
    case Rpc::kChangePassword:
      return "ChangePassword";
    case Rpc::kRequestPasswordReset:
      return "RequestPasswordReset";
    case Rpc::kResetPassword:
      return "ResetPassword";
    case Rpc::kSendEmailVerification:
      return "SendEmailVerification";
    case Rpc::kVerifyEmail:
      return "VerifyEmail";
    case Rpc::kCompleteLogin:
      return "CompleteLogin";
    case Rpc::kBeginTotpEnrollment:
      return "BeginTotpEnrollment";
    case Rpc::kConfirmTotpEnrollment:
      return "ConfirmTotpEnrollment";
    case Rpc::kDisableTotp:
      return "DisableTotp";
    case Rpc::kRegenerateRecoveryCodes:
      return "RegenerateRecoveryCodes";
    case Rpc::kBeginPasskeyRegistration:
      return "BeginPasskeyRegistration";
    case Rpc::kFinishPasskeyRegistration:
      return "FinishPasskeyRegistration";
    case Rpc::kListPasskeys:
      return "ListPasskeys";
    case Rpc::kDeletePasskey:
      return "DeletePasskey";
    case Rpc::kBeginPasskeyLogin:
      return "BeginPasskeyLogin";
    case Rpc::kFinishPasskeyLogin:
      return "FinishPasskeyLogin";
  }
  return "unknown";
}

// The database connection pool as sampled at one instant.
struct DbPoolStats {
  // Connections open right now (idle, leased or being opened).
  int64_t open = 0;
  // Connections leased to callers right now.
  int64_t in_use = 0;
  // Callers waiting for a connection right now.
  int64_t waiting = 0;
  // Since start: connects that failed, waits that timed out and connections that broke in use.
  int64_t errors = 0;
};

class AuthMetrics {
 public:
  virtual ~AuthMetrics() = default;

  // One finished RPC: its status code as sent to the client, and its latency from arrival.
  virtual void RecordCall(Rpc rpc, absl::StatusCode code, absl::Duration latency) = 0;

  // How long one task waited in the hashing executor's queue before a worker took it.
  virtual void RecordHashingWait(absl::Duration wait) = 0;

  // One database round trip (query or transaction) answered `calls` queued calls of `rpc`
  // together (ValidateToken, Logout: see services/auth's batching).
  virtual void RecordDatabaseBatch(Rpc rpc, int64_t calls) = 0;

  // Tasks waiting for a hashing worker right now (sampled).
  virtual void SetHashingQueueDepth(int64_t depth) = 0;

  // The connection pool's state (sampled); `stats.errors` is cumulative and never decreases.
  virtual void SetDbPoolStats(const DbPoolStats& stats) = 0;

  // `count` sessions opened (Login, RefreshToken).
  virtual void RecordSessionsCreated(int64_t count) = 0;

  // `count` sessions ended by Logout.
  virtual void RecordSessionsRevoked(int64_t count) = 0;

  // A rotated refresh token was presented again and its family revoked.
  virtual void RecordRefreshReuseDetected() = 0;
};

}  // namespace auth::metrics

#endif  // LIBS_METRICS_AUTH_METRICS_H_
