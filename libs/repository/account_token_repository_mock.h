// MockAccountTokenRepository: gMock's AccountTokenRepository.
#ifndef LIBS_REPOSITORY_ACCOUNT_TOKEN_REPOSITORY_MOCK_H_
#define LIBS_REPOSITORY_ACCOUNT_TOKEN_REPOSITORY_MOCK_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "libs/mail/mail.h"
#include "libs/repository/account_token_repository.h"

namespace auth::repository {

class MockAccountTokenRepository : public AccountTokenRepository {
 public:
  MOCK_METHOD(absl::Status, Issue, (const NewAccountToken& token, const mail::Mail& mail),
              (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, FindLive,
              (absl::string_view token_hash, AccountTokenPurpose purpose), (override));
  MOCK_METHOD(absl::StatusOr<PasswordResetResult>, ResetPassword, (const PasswordReset& reset),
              (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, VerifyEmail, (absl::string_view token_hash), (override));
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_ACCOUNT_TOKEN_REPOSITORY_MOCK_H_
