// MysqlPasskeyRepository: PasskeyRepository over the tables of migration 0012
// (webauthn_user_handles, passkeys, webauthn_ceremonies).
//
//   MysqlPasskeyRepository passkeys(pool);
//   ASSIGN_OR_RETURN(auto ceremony, passkeys.SpendCeremony(id, CeremonyKind::kSignIn));
//
// SpendCeremony() is one conditional UPDATE (live, unspent, of the kind) that also takes the
// row's lock, then reads the row back in the same transaction, so of racing calls exactly one
// gets the ceremony. Delete() locks the account's passkey rows (SELECT ... FOR UPDATE) before
// counting them, so two racing deletions cannot both see "not the last". "Now" comes from the
// application's clock (injectable for tests), as in the other repositories.
#ifndef LIBS_REPOSITORY_MYSQL_PASSKEYS_MYSQL_PASSKEY_REPOSITORY_H_
#define LIBS_REPOSITORY_MYSQL_PASSKEYS_MYSQL_PASSKEY_REPOSITORY_H_

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
#include "libs/repository/passkey_repository.h"

namespace auth::mysql_repository {

class MysqlPasskeyRepository : public repository::PasskeyRepository {
 public:
  // `pool` must outlive the repository.
  explicit MysqlPasskeyRepository(mysql::ConnectionPool& pool,
                                  std::function<absl::Time()> clock = absl::Now)
      : pool_(pool), clock_(std::move(clock)) {}

  absl::StatusOr<std::string> UserHandleOf(int64_t user_id, absl::string_view candidate) override;
  absl::StatusOr<int64_t> FindUserByHandle(absl::string_view user_handle) override;
  absl::Status CreateCeremony(const repository::WebauthnCeremony& ceremony) override;
  absl::StatusOr<repository::WebauthnCeremony> SpendCeremony(
      absl::string_view ceremony_id, repository::CeremonyKind kind) override;
  absl::Status Add(const repository::StoredPasskey& passkey) override;
  absl::StatusOr<std::vector<repository::StoredPasskey>> ListOf(int64_t user_id) override;
  absl::StatusOr<repository::StoredPasskey> FindByCredentialId(
      absl::string_view credential_id) override;
  absl::Status Delete(int64_t user_id, absl::string_view passkey_id,
                      bool password_checked) override;
  absl::StatusOr<int64_t> CountOf(int64_t user_id) override;

 private:
  mysql::ConnectionPool& pool_;
  const std::function<absl::Time()> clock_;
};

}  // namespace auth::mysql_repository

#endif  // LIBS_REPOSITORY_MYSQL_PASSKEYS_MYSQL_PASSKEY_REPOSITORY_H_
