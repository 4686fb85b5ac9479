// MockSecondFactorRepository: gMock's SecondFactorRepository.
#ifndef LIBS_REPOSITORY_SECOND_FACTOR_REPOSITORY_MOCK_H_
#define LIBS_REPOSITORY_SECOND_FACTOR_REPOSITORY_MOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "libs/repository/second_factor_repository.h"

namespace auth::repository {

class MockSecondFactorRepository : public SecondFactorRepository {
 public:
  MOCK_METHOD(absl::StatusOr<TotpState>, FindTotp, (int64_t user_id), (override));
  MOCK_METHOD(absl::Status, BeginTotp,
              (int64_t user_id, absl::string_view sealed_secret, absl::Time pending_expires_at),
              (override));
  MOCK_METHOD(absl::Status, ConfirmTotp, (const TotpConfirmation& confirmation), (override));
  MOCK_METHOD(absl::Status, DisableTotp, (int64_t user_id, const SecondFactorProof& proof),
              (override));
  MOCK_METHOD(absl::Status, ReplaceRecoveryCodes,
              (int64_t user_id, int64_t totp_step,
               const std::vector<std::string>& recovery_code_hashes),
              (override));
  MOCK_METHOD(absl::Status, CreateMfaTicket, (const NewMfaTicket& ticket), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, FindLiveMfaTicket, (absl::string_view ticket_hash),
              (override));
  MOCK_METHOD(absl::StatusOr<bool>, CountMfaTicketFailure, (absl::string_view ticket_hash),
              (override));
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_SECOND_FACTOR_REPOSITORY_MOCK_H_
