// MysqlSecondFactorRepository: SecondFactorRepository over the `user_totp`, `recovery_codes`
// and `mfa_tickets` tables (../schema/migrations/0011_*).
//
//   MysqlSecondFactorRepository second_factors(pool);
//   RETURN_IF_ERROR(second_factors.BeginTotp(user_id, sealed, now + absl::Minutes(10)));
//
// Every write that a code proves starts with the conditional UPDATE that spends the code (the
// same statements RefreshTokenRepository::Create() runs for a sign-in), which also takes the row
// lock: of two calls with one code exactly one sees a changed row, and the loser changes
// nothing. Lock order: user_totp, then recovery_codes. "Now" comes from the application's clock
// (injectable for tests), as in the other repositories.
#ifndef LIBS_REPOSITORY_MYSQL_MFA_MYSQL_SECOND_FACTOR_REPOSITORY_H_
#define LIBS_REPOSITORY_MYSQL_MFA_MYSQL_SECOND_FACTOR_REPOSITORY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/second_factor_repository.h"

namespace auth::mysql_repository {

class MysqlSecondFactorRepository : public repository::SecondFactorRepository {
 public:
  // `pool` must outlive the repository.
  explicit MysqlSecondFactorRepository(mysql::ConnectionPool& pool,
                                       std::function<absl::Time()> clock = absl::Now)
      : pool_(pool), clock_(std::move(clock)) {}

  absl::StatusOr<repository::TotpState> FindTotp(int64_t user_id) override;
  absl::Status BeginTotp(int64_t user_id, absl::string_view sealed_secret,
                         absl::Time pending_expires_at) override;
  absl::Status ConfirmTotp(const repository::TotpConfirmation& confirmation) override;
  absl::Status DisableTotp(int64_t user_id, const repository::SecondFactorProof& proof) override;
  absl::Status ReplaceRecoveryCodes(int64_t user_id, int64_t totp_step,
                                    const std::vector<std::string>& recovery_code_hashes) override;
  absl::Status CreateMfaTicket(const repository::NewMfaTicket& ticket) override;
  absl::StatusOr<int64_t> FindLiveMfaTicket(absl::string_view ticket_hash) override;
  absl::StatusOr<bool> CountMfaTicketFailure(absl::string_view ticket_hash) override;

 private:
  mysql::ConnectionPool& pool_;
  const std::function<absl::Time()> clock_;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_MFA_MYSQL_SECOND_FACTOR_REPOSITORY_H_
