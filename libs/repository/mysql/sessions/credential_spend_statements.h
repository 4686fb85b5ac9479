// The conditional UPDATEs that spend what a login presented (repository::CredentialSpend: an MFA
// ticket, a TOTP step, a recovery code, a passkey's signature counter), run by
// MysqlRefreshTokenRepository::Create() inside the transaction that stores the session. Each must
// change exactly one row; one that changes none means the credential was spent already (by a
// concurrent login on any replica), and the caller rolls everything back.
#ifndef LIBS_REPOSITORY_MYSQL_SESSIONS_CREDENTIAL_SPEND_STATEMENTS_H_
#define LIBS_REPOSITORY_MYSQL_SESSIONS_CREDENTIAL_SPEND_STATEMENTS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "libs/mysql/connection.h"
#include "libs/repository/refresh_token_repository.h"

namespace auth::mysql_repository::credential_spend {

// Spends every non-empty member of `spend` for `user_id`, at `now` (a SQL DATETIME); kAborted
// ("credential already used") at the first that changes no row, the rest left undone.
absl::Status SpendCredentials(mysql::Connection& connection, int64_t user_id,
                              const repository::CredentialSpend& spend, const std::string& now);

}  // namespace auth::mysql_repository::credential_spend

#endif  // LIBS_REPOSITORY_MYSQL_SESSIONS_CREDENTIAL_SPEND_STATEMENTS_H_
