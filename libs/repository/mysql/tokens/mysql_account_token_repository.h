// MysqlAccountTokenRepository: AccountTokenRepository over the `account_tokens` table
// (../schema/migrations/0008_*), with the mail in `mail_outbox` (../mail) and the revocations
// of ../sessions.
//
//   MysqlAccountTokenRepository tokens(pool);
//   RETURN_IF_ERROR(tokens.Issue(token, mail));
//
// Issue() voids, inserts and queues in one transaction. ResetPassword() spends the token with
// one conditional UPDATE (live, of that purpose and user) that also takes its row lock, so of
// two calls with one token exactly one sees a changed row; the loser changes nothing. Lock
// order, as the refresh-token repository's ChangePassword(): the token row, the users row,
// refresh_tokens rows, sessions rows, then attempt_counters. "Now" comes from the
// application's clock (injectable for tests), as in the other repositories.
#ifndef LIBS_REPOSITORY_MYSQL_TOKENS_MYSQL_ACCOUNT_TOKEN_REPOSITORY_H_
#define LIBS_REPOSITORY_MYSQL_TOKENS_MYSQL_ACCOUNT_TOKEN_REPOSITORY_H_

#include <cstdint>
#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/mail/mail.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/account_token_repository.h"

namespace auth::mysql_repository {

class MysqlAccountTokenRepository : public repository::AccountTokenRepository {
 public:
  // `pool` must outlive the repository.
  explicit MysqlAccountTokenRepository(mysql::ConnectionPool& pool,
                                       std::function<absl::Time()> clock = absl::Now)
      : pool_(pool), clock_(std::move(clock)) {}

  absl::Status Issue(const repository::NewAccountToken& token, const mail::Mail& mail) override;
  absl::StatusOr<int64_t> FindLive(absl::string_view token_hash,
                                   repository::AccountTokenPurpose purpose) override;
  absl::StatusOr<repository::PasswordResetResult> ResetPassword(
      const repository::PasswordReset& reset) override;
  absl::StatusOr<int64_t> VerifyEmail(absl::string_view token_hash) override;

 private:
  mysql::ConnectionPool& pool_;
  const std::function<absl::Time()> clock_;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_TOKENS_MYSQL_ACCOUNT_TOKEN_REPOSITORY_H_
