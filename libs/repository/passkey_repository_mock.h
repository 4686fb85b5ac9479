// MockPasskeyRepository: gMock's PasskeyRepository.
#ifndef LIBS_REPOSITORY_PASSKEY_REPOSITORY_MOCK_H_
#define LIBS_REPOSITORY_PASSKEY_REPOSITORY_MOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "libs/repository/passkey_repository.h"

namespace auth::repository {

class MockPasskeyRepository : public PasskeyRepository {
 public:
  MOCK_METHOD(absl::StatusOr<std::string>, UserHandleOf,
              (int64_t user_id, absl::string_view candidate), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, FindUserByHandle, (absl::string_view user_handle),
              (override));
  MOCK_METHOD(absl::Status, CreateCeremony, (const WebauthnCeremony& ceremony), (override));
  MOCK_METHOD(absl::StatusOr<WebauthnCeremony>, SpendCeremony,
              (absl::string_view ceremony_id, CeremonyKind kind), (override));
  MOCK_METHOD(absl::Status, Add, (const StoredPasskey& passkey), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<StoredPasskey>>, ListOf, (int64_t user_id), (override));
  MOCK_METHOD(absl::StatusOr<StoredPasskey>, FindByCredentialId, (absl::string_view credential_id),
              (override));
  MOCK_METHOD(absl::Status, Delete,
              (int64_t user_id, absl::string_view passkey_id, bool password_checked), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, CountOf, (int64_t user_id), (override));
};

}  // namespace auth::repository

#endif  // LIBS_REPOSITORY_PASSKEY_REPOSITORY_MOCK_H_
