// AccountTokenRepository: the single-use tokens of mailed links (a password reset, an email
// verification), each stored with the mail that carries it.
//
//   const std::string token = RandomToken();                  // 32 bytes, base64url: the link
//   repository->Issue({.token_hash = Digest(token), .purpose = kPasswordReset, .user_id = id,
//                      .email = email, .expires_at = now + 30min}, mail_with_link);
//   ... the user opens the link and submits a new password:
//   ASSIGN_OR_RETURN(int64_t user_id, repository->FindLive(Digest(token), kPasswordReset));
//   ... hash the new password (slow: off the database), then, in one transaction:
//   repository->ResetPassword({.token_hash = Digest(token), .user_id = user_id,
//                              .new_password_hash = phc, .settlement = forgive_logins});
//
// Only a digest of a token is ever stored or passed here, and no message or log line of an
// implementation contains one, a token, a mail's body or its recipient.
//
// Errors: kInvalidArgument (a mail that fails mail::ValidateMail(), a malformed argument),
// kNotFound (no live token), kUnavailable, kInternal.
#ifndef LIBS_REPOSITORY_ACCOUNT_TOKEN_REPOSITORY_H_
#define LIBS_REPOSITORY_ACCOUNT_TOKEN_REPOSITORY_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/mail/mail.h"
#include "libs/repository/attempt_limiter.h"

namespace auth::repository {

// What a token may be spent on; a token of one purpose is never accepted for another.
enum class AccountTokenPurpose : int { kPasswordReset = 1, kEmailVerification = 2 };

// A token to store, for Issue().
struct NewAccountToken {
  std::string token_hash;  // 64 lowercase hex digits: SHA-256 of the token's bytes
  AccountTokenPurpose purpose = AccountTokenPurpose::kPasswordReset;
  int64_t user_id = 0;
  std::string email;  // the address the link is sent to
  absl::Time expires_at;
};

// A password reset, for ResetPassword().
struct PasswordReset {
  std::string token_hash;
  int64_t user_id = 0;            // whose FindLive() said the token is: checked again
  std::string new_password_hash;  // the encoded (PHC) hash, never a password
  AttemptSettlement settlement;   // written in the same transaction (forgives failed logins)
};

// What ResetPassword() did.
struct PasswordResetResult {
  int64_t sessions_revoked = 0;
};

class AccountTokenRepository {
 public:
  virtual ~AccountTokenRepository() = default;

  // In one transaction: voids the user's unspent tokens of the same purpose (so only the newest
  // link works), stores `token` and queues `mail` in the outbox (libs/repository:mail_outbox).
  // All of it commits or nothing does.
  virtual absl::Status Issue(const NewAccountToken& token, const mail::Mail& mail) = 0;

  // The user of the live token with this digest and purpose (not spent, voided or expired);
  // kNotFound if there is none. Reads only.
  virtual absl::StatusOr<int64_t> FindLive(absl::string_view token_hash,
                                           AccountTokenPurpose purpose) = 0;

  // In one transaction: spends the token (one conditional UPDATE: it must still be live, a
  // password-reset token of `reset.user_id`), stores the new password hash, revokes every
  // refresh token and active session of the user, and writes the settlement. kNotFound if the
  // token is no longer live (another call spent it first, a newer one voided it, it expired):
  // then nothing is changed.
  virtual absl::StatusOr<PasswordResetResult> ResetPassword(const PasswordReset& reset) = 0;

  // In one transaction: spends the live email-verification token with this digest (one
  // conditional UPDATE, as ResetPassword()) and marks its user's address verified, if the user
  // still has the address the token was sent to. Returns the user. kNotFound if the token is not
  // live, or the user's address changed since (then nothing is changed).
  virtual absl::StatusOr<int64_t> VerifyEmail(absl::string_view token_hash) = 0;
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_ACCOUNT_TOKEN_REPOSITORY_H_
