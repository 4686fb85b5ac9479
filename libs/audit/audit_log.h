// AuditLog: where the security events of the auth service go, one record per event: who
// registered, logged in or failed to, was refused, logged out, refreshed, reused a refresh
// token, changed a password or was refused that, or hit an abuse limit, from which client
// address and in which session.
//
//   audit_log.Record({.type = AuditEventType::kLoginFailure, .user_id = 42,
//                     .client_address = "203.0.113.7", .reason = "wrong_password"});
//
// An event holds identifiers only, never a secret: no password or its digest, no token, no
// refresh token and no hash of either. The session id is the access token's jti, which is in
// the token's readable claims and useless without its signature; the family id is the jti of
// the login that started a refresh-token family. AuditEvent has no field a secret could go in,
// and its test pins that list of fields.
//
// Implementations: FileAuditLog (JSON lines to a file or stderr), NoopAuditLog, MockAuditLog.
#ifndef LIBS_AUDIT_AUDIT_LOG_H_
#define LIBS_AUDIT_AUDIT_LOG_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace auth::audit {

enum class AuditEventType {
  kRegister,               // an account was created
  kLoginSuccess,           // a session was opened
  kLoginFailure,           // unknown account or wrong password
  kLoginRefused,           // refused before the password was checked: abuse limit (or limiter down)
  kLogout,                 // sessions were ended
  kRefresh,                // a refresh token was rotated into a new session
  kReuseDetected,          // a rotated refresh token was presented again
  kLimitHit,               // an abuse limit refused an attempt (login, registration)
  kLogoutDenied,           // a Logout was refused: no valid token, or another user's (sampled)
  kTokenRejected,          // an access token failed ValidateToken or GetSession (sampled)
  kRefreshFailure,         // a RefreshToken call presented an unknown, expired or revoked token
  kPasswordChanged,        // ChangePassword stored a new password (and ended sessions)
  kPasswordChangeRefused,  // ChangePassword was refused: wrong current password, abuse limit
  kPasswordResetRequested,    // RequestPasswordReset: reason says whether a mail was queued
  kPasswordReset,             // ResetPassword stored a new password (and ended every session)
  kPasswordResetRefused,      // ResetPassword was refused: a dead token, abuse limit
  kEmailVerificationSent,     // SendEmailVerification: reason says whether a mail was queued
  kEmailVerified,             // VerifyEmail marked the address verified
  kEmailVerificationRefused,  // VerifyEmail was refused: a dead token, abuse limit
  kTakenEmailNotified,        // a Register of a taken email (concealed): its owner's mail
  // TOTP second factors (never a secret, a code or a ticket in any field):
  kTotpEnrollmentBegun,       // BeginTotpEnrollment stored a pending secret
  kTotpConfirmed,             // ConfirmTotpEnrollment: TOTP is on, recovery codes issued
  kTotpDisabled,              // DisableTotp: the secret and recovery codes are gone
  kRecoveryCodesRegenerated,  // RegenerateRecoveryCodes: a new set, the old one void
  kTotpChangeRefused,         // one of those four refused: wrong password or code, a replay
  kSecondFactorRequired,      // Login's right password of a TOTP account: a ticket issued
  kSecondFactorSuccess,       // CompleteLogin accepted a TOTP code (reason "totp")
  kSecondFactorFailure,       // CompleteLogin refused a code (reason says why)
  kRecoveryCodeUsed,          // CompleteLogin accepted a recovery code
  // Passkeys (services/auth/passkey). A passkey sign-in's session is also a login_success.
  kPasskeyRegistered,  // FinishPasskeyRegistration stored a passkey (reason: its passkey_id)
  kPasskeyRegistrationRefused,  // a registration failed its checks, or the password was wrong
  kPasskeyUsed,                 // FinishPasskeyLogin opened a session (reason: the passkey_id)
  kPasskeyLoginFailure,         // FinishPasskeyLogin refused (reason: which check)
  kPasskeyDeleted,              // DeletePasskey removed one (reason: its passkey_id)
  kPasskeyCloneSuspected,       // a signature counter that did not increase: a possible clone
};

// The event's name in the log: "register", "login_success", ..., "limit_hit".
constexpr absl::string_view AuditEventName(AuditEventType type) {
  switch (type) {
    case AuditEventType::kRegister:
      return "register";
    case AuditEventType::kLoginSuccess:
      return "login_success";
    case AuditEventType::kLoginFailure:
      return "login_failure";
    case AuditEventType::kLoginRefused:
      return "login_refused";
    case AuditEventType::kLogout:
      return "logout";
    case AuditEventType::kRefresh:
      return "refresh";
    case AuditEventType::kReuseDetected:
      return "reuse_detected";
    case AuditEventType::kLimitHit:
      return "limit_hit";
    case AuditEventType::kLogoutDenied:
      return "logout_denied";
    case AuditEventType::kTokenRejected:
      return "token_rejected";
    case AuditEventType::kRefreshFailure:
      return "refresh_failure";
    case AuditEventType::kPasswordChanged:
      return "password_changed";
    case AuditEventType::kPasswordChangeRefused:
      return "password_change_refused";
    case AuditEventType::kPasswordResetRequested:
      return "password_reset_requested";
    case AuditEventType::kPasswordReset:
      return "password_reset";
    case AuditEventType::kPasswordResetRefused:
      return "password_reset_refused";
    case AuditEventType::kEmailVerificationSent:
      return "email_verification_sent";
    case AuditEventType::kEmailVerified:
      return "email_verified";
    case AuditEventType::kEmailVerificationRefused:
      return "email_verification_refused";
    case AuditEventType::kTakenEmailNotified:
      return "taken_email_notified";
    case AuditEventType::kTotpEnrollmentBegun:
      return "totp_enrollment_begun";
    case AuditEventType::kTotpConfirmed:
      return "totp_confirmed";
    case AuditEventType::kTotpDisabled:
      return "totp_disabled";
    case AuditEventType::kRecoveryCodesRegenerated:
      return "recovery_codes_regenerated";
    case AuditEventType::kTotpChangeRefused:
      return "totp_change_refused";
    case AuditEventType::kSecondFactorRequired:
      return "second_factor_required";
    case AuditEventType::kSecondFactorSuccess:
      return "second_factor_success";
    case AuditEventType::kSecondFactorFailure:
      return "second_factor_failure";
    case AuditEventType::kRecoveryCodeUsed:
      return "recovery_code_used";
    case AuditEventType::kPasskeyRegistered:
      return "passkey_registered";
    case AuditEventType::kPasskeyRegistrationRefused:
      return "passkey_registration_refused";
    case AuditEventType::kPasskeyUsed:
      return "passkey_used";
    case AuditEventType::kPasskeyLoginFailure:
      return "passkey_login_failure";
    case AuditEventType::kPasskeyDeleted:
      return "passkey_deleted";
    case AuditEventType::kPasskeyCloneSuspected:
      return "passkey_clone_suspected";
  }
  return "unknown";
}

// One security event. Empty strings and a zero user id mean "not known or not applicable";
// the log leaves them out. (When is the log's own: it stamps the event as it records it.)
struct AuditEvent {
  AuditEventType type = AuditEventType::kLoginFailure;
  int64_t user_id = 0;
  // The client as the abuse limits key it (services/auth/rpc/caller.h: ClientAddress()):
  // an IPv4 address, an IPv6 /64 prefix, "unix".
  std::string client_address;
  // The access token's jti of the session concerned (opened, ended, rotated into).
  std::string session_id;
  // The refresh-token family concerned (login, refresh, reuse).
  std::string family_id;
  // Why, for failures, refusals and limits ("wrong_password", "abuse_limit", "login"); how,
  // for the others ("all_sessions").
  std::string reason;
  // For a sampled event (AuditSampler): how many events of its type were left out since the
  // last one recorded. A count, never what they held.
  int64_t suppressed = 0;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;

  // Records `event`. Thread-safe; never fails the caller (an implementation that cannot write
  // says so in the server log).
  virtual void Record(const AuditEvent& event) = 0;

  // Records an event of `type` with these fields (empty: not known or not applicable).
  void RecordEvent(AuditEventType type, int64_t user_id, absl::string_view client_address,
                   absl::string_view reason, absl::string_view session_id = "",
                   absl::string_view family_id = "") {
    AuditEvent event;
    event.type = type;
    event.user_id = user_id;
    event.client_address = std::string(client_address);
    event.session_id = std::string(session_id);
    event.family_id = std::string(family_id);
    event.reason = std::string(reason);
    Record(event);
  }
};

}  // namespace auth::audit

#endif  // LIBS_AUDIT_AUDIT_LOG_H_
