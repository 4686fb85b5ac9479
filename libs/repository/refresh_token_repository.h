// RefreshTokenRepository: refresh tokens, their session families, and the transactions that
// create, rotate and revoke them together with their sessions (a password change too, which
// revokes them in the transaction that stores the new password).
//
//   // Login: a session and its refresh token, stored together with the login's settlement of
//   // its attempt counters (AttemptLimiter), in one transaction.
//   refresh_tokens->Create({.session = session, .refresh_token = {.token_hash = digest, ...}},
//                          {.reset_keys = {"login-account:42"}, .refund_keys = {...}});
//   // Refresh: in one transaction, lock the presented token and, if it is live and unused,
//   // store the successor that `grant` builds, mark the presented one rotated and revoke its
//   // session. A token that was already rotated revokes its whole family instead.
//   TokenOwner owner;  // whose it was, to report a reuse
//   absl::StatusOr<RotationOutcome> outcome =
//       refresh_tokens->Rotate(digest, grace, grant, &owner);
//
// A family is the chain of sessions one login started: every refresh token rotation derives
// from the login's token has the same family_id, and each session opened by login or refresh
// has exactly one refresh token (RefreshToken::session_jti), through which it belongs to the
// family. Tokens are only ever stored as digests.
//
// Statements that touch both tables lock refresh_tokens rows before sessions rows, so these
// transactions cannot deadlock with one another. Errors as SessionRepository: kNotFound,
// kAlreadyExists, kUnavailable, kInternal; messages never contain a token or its digest.
#ifndef LIBS_REPOSITORY_REFRESH_TOKEN_REPOSITORY_H_
#define LIBS_REPOSITORY_REFRESH_TOKEN_REPOSITORY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/session_repository.h"

namespace auth::repository {

struct RefreshToken {
  std::string token_hash;        // a digest of the token, never the token
  std::string family_id;         // shared by every token rotated from the same login
  absl::Time family_started_at;  // when that login happened; shared like family_id
  std::string session_jti;       // the session opened together with this token
  int64_t user_id = 0;
  absl::Time expires_at;
  absl::Time created_at;                   // set by the database
  std::optional<absl::Time> rotated_at;    // when Rotate() replaced it
  std::optional<std::string> replaced_by;  // the successor's token_hash
  std::optional<absl::Time> revoked_at;
  // How the family's login authenticated (RFC 8176 amr values: {"pwd"}, {"pwd", "otp"},
  // {"hwk", "user"}), copied to every successor so that a refreshed access token says what the
  // login proved. A row stored before amr existed reads as {"pwd"}.
  std::vector<std::string> amr;
};

// What a login spends of the credentials it presented, written in the transaction that stores
// its session (Create()), each by one conditional UPDATE that must change exactly one row: of
// two logins racing with one ticket, code or assertion, at most one opens a session, on any
// replica. Empty members spend nothing (a password login spends nothing).
struct CredentialSpend {
  // The digest of an MFA ticket: live, unspent and the session's user's; marked spent.
  std::string mfa_ticket_hash;
  // A TOTP time step: the user's TOTP must be confirmed and its last used step below this one,
  // which becomes the last used step (a code never works twice).
  std::optional<int64_t> totp_step;
  // The digest of a recovery code: the user's and unused; marked used.
  std::string recovery_code_hash;
  // A passkey of the user whose signature counter is still `passkey_sign_count_read` (compare
  // and swap: of two logins that read the same count one wins); it becomes
  // `passkey_sign_count_new`, and the passkey's last use now.
  std::string passkey_id;
  uint32_t passkey_sign_count_read = 0;
  uint32_t passkey_sign_count_new = 0;

  bool empty() const {
    return mfa_ticket_hash.empty() && !totp_step.has_value() && recovery_code_hash.empty() &&
           passkey_id.empty();
  }
};

// A new session and the refresh token issued with it (session.jti == refresh_token.session_jti).
struct SessionGrant {
  Session session;
  RefreshToken refresh_token;
  // Spent by Create() with the session (Rotate() refuses a non-empty one: a refresh presents
  // no credential).
  CredentialSpend spend;
};

// One caller's logout, for LogoutMany().
struct LogoutRequest {
  std::string session_jti;  // the session the presented access token names
  int64_t user_id = 0;      // the user it was issued to
  std::string token_hash;   // a digest of the presented token, as Session::token_hash
  // End only that session (and its refresh token family), not every session of the user.
  bool current_session_only = false;
};

// What LogoutMany() did.
struct LogoutResults {
  // Per request, in order: whether its session was active, of its user_id and issued with its
  // token_hash, and so has been ended. False: nothing was changed for that request.
  std::vector<bool> logged_out;
  // Sessions revoked in all.
  int64_t sessions_revoked = 0;
};

// A password change, for ChangePassword(): the new hash, and which session survives it.
struct PasswordChange {
  int64_t user_id = 0;
  // The stored hash the caller verified the current password against: the change is made only
  // while it is still the stored one, so of two concurrent changes that both verified the old
  // password exactly one is made.
  std::string verified_password_hash;
  std::string new_password_hash;  // the encoded (PHC) hash, never a password
  // The session that stays open, with its refresh-token family; empty: every session ends.
  std::string kept_session_jti;
};

// Whose a refresh token presented to Rotate() is: its user and its family (never the token or
// its digest), so that a reuse can be reported by name.
struct TokenOwner {
  int64_t user_id = 0;
  std::string family_id;
};

// What Rotate() did with a refresh token that exists and has not expired.
enum class RotationOutcome {
  kRotated,        // it was unused: the successor is stored, the token and its session retired
  kReuseDetected,  // it was already rotated: its whole family is now revoked
  kReusedInGrace,  // it was rotated less than `reuse_grace` ago: nothing changed
};

class RefreshTokenRepository {
 public:
  // Builds the successor of `presented` (its user and family) while the presented token's row
  // is locked. Must be quick: it runs inside the transaction. An error aborts the rotation.
  using GrantFn = std::function<absl::StatusOr<SessionGrant>(const RefreshToken& presented)>;

  virtual ~RefreshTokenRepository() = default;

  // Stores `grant.session` and `grant.refresh_token` in one transaction (login), and writes
  // `settlement` (AttemptLimiter::Settle()'s work, on the counters of the limiter that shares
  // this repository's database; may be empty) in the same transaction: a login's writes after
  // the hash commit once. kInvalidArgument for a settlement key that is empty or over 160 bytes.
  // `grant.spend` is spent in the same transaction; if any of it was spent already (or is not
  // the user's), kAborted ("credential already used") and nothing is stored.
  virtual absl::Status Create(const SessionGrant& grant, const AttemptSettlement& settlement) = 0;

  // Rotates the refresh token whose digest is `token_hash`, in one transaction. kNotFound if
  // there is no such token or it has expired. If it was already rotated (even if its family
  // has been revoked since): within `reuse_grace` of the rotation, and only while its
  // successor has not been rotated in turn, nothing changes (kReusedInGrace: a client retrying
  // a lost response); otherwise its family's refresh tokens and sessions are revoked
  // (kReuseDetected: once the successor has been used, the retry story no longer holds).
  // kNotFound if it was revoked without being rotated. Else `grant(presented)` is stored, the
  // presented token is marked rotated (replaced_by the new token) and its session revoked
  // (kRotated). `grant` must return a successor of the same user and family (family_id and
  // family_started_at), whose refresh token names its session; else kInternal. An error
  // `grant` returns (e.g. the family has ended) rolls back and is returned as it is.
  // `owner`, unless null, receives the presented token's user and family whenever an outcome
  // is returned (a reuse is reported with them).
  virtual absl::StatusOr<RotationOutcome> Rotate(absl::string_view token_hash,
                                                 absl::Duration reuse_grace, const GrantFn& grant,
                                                 TokenOwner* owner) = 0;
  // Rotate() for callers that need not know whose the token is.
  absl::StatusOr<RotationOutcome> Rotate(absl::string_view token_hash, absl::Duration reuse_grace,
                                         const GrantFn& grant) {
    return Rotate(token_hash, reuse_grace, grant, /*owner=*/nullptr);
  }

  // Whether the refresh token whose digest is `token_hash` exists, has not expired and was
  // neither rotated nor revoked: what Rotate() would turn into a new session. One primary-key
  // read that writes nothing, so a caller may afford it where Rotate()'s reuse detection (a
  // write) must not run: a flood of replayed or made-up tokens costs reads only.
  virtual absl::StatusOr<bool> IsUnused(absl::string_view token_hash) = 0;

  // Revokes session `session_jti` and, if it has a refresh token, that token's whole family
  // (its refresh tokens and sessions). OK even if nothing was left to revoke.
  virtual absl::Status RevokeSessionFamily(absl::string_view session_jti) = 0;

  // Revokes every refresh token and every active session of `user_id`; returns how many
  // sessions were revoked.
  virtual absl::StatusOr<int64_t> RevokeAllForUser(int64_t user_id) = 0;

  // Logs several callers out in one transaction, so that concurrent logouts share a commit.
  // For each request whose session is active, belongs to its user_id and was issued with its
  // token_hash: revokes every refresh token and every active session of the user
  // (RevokeAllForUser()), or with current_session_only that session and its family
  // (RevokeSessionFamily()). The other requests change nothing.
  virtual absl::StatusOr<LogoutResults> LogoutMany(const std::vector<LogoutRequest>& requests) = 0;

  // Logs a caller out by its refresh token, for one whose access token is missing or expired
  // (a browser idle past the access token's lifetime), in one transaction: reads the refresh
  // token whose digest is `token_hash` by its primary key, row locked; if it is live (not
  // expired, rotated or revoked) and `user_id`'s, revokes its family (its refresh tokens and
  // sessions, as RevokeSessionFamily()) or, without current_session_only, every refresh token
  // and session of the user (RevokeAllForUser()). Returns how many sessions were revoked.
  // kNotFound if no live token has that digest; kPermissionDenied if it is another user's (then
  // nothing changes).
  virtual absl::StatusOr<int64_t> LogoutWithRefreshToken(absl::string_view token_hash,
                                                         int64_t user_id,
                                                         bool current_session_only) = 0;

  // Changes a user's password, in one transaction: stores `change.new_password_hash`, revokes
  // every refresh token and every active session of the user except `kept_session_jti` and
  // its family's refresh tokens, and writes `settlement` (as Create()). Nothing is stored
  // unless all of it is. Returns how many sessions were revoked. kNotFound if the user does not
  // exist; kFailedPrecondition if its stored hash is no longer `verified_password_hash` (then
  // nothing changes); kInvalidArgument for a bad settlement key.
  virtual absl::StatusOr<int64_t> ChangePassword(const PasswordChange& change,
                                                 const AttemptSettlement& settlement) = 0;

  // Deletes refresh tokens that expired before `now`; returns how many were deleted.
  virtual absl::StatusOr<int64_t> DeleteExpired(absl::Time now) = 0;
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_REFRESH_TOKEN_REPOSITORY_H_
