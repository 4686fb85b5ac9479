// CredentialParts: what auth_server adds for second factors and passkeys: the sealer of the
// TOTP secrets (from --totp_secret_key_file; none without it: the TOTP RPCs then answer
// FAILED_PRECONDITION), the MySQL second-factor and passkey repositories, handed to the
// service. The TOTP key file is checked first by ValidateServerConfig(), before the database is
// touched. (Its own file keeps auth_server.cc within the 400-line limit.)
#ifndef SERVICES_AUTH_SERVER_CREDENTIAL_PARTS_H_
#define SERVICES_AUTH_SERVER_CREDENTIAL_PARTS_H_

#include <memory>

#include "absl/status/status.h"
#include "libs/mysql/connection_pool.h"
#include "libs/otp/secret_sealer.h"
#include "libs/repository/mysql/mfa/mysql_second_factor_repository.h"
#include "libs/repository/mysql/passkeys/mysql_passkey_repository.h"
#include "services/auth/auth_service.h"
#include "services/auth/server/server_config.h"

namespace auth::service {

struct CredentialParts {
  std::unique_ptr<otp::SecretSealer> totp_sealer;  // null without --totp_secret_key_file
  std::unique_ptr<mysql_repository::MysqlSecondFactorRepository> second_factors;
  std::unique_ptr<mysql_repository::MysqlPasskeyRepository> passkeys;

  // Loads the TOTP key (if configured), makes the repositories over `pool`, and puts them into
  // the service's `options` and `deps`. An unreadable key: LoadSealingKey's error naming the
  // flag.
  absl::Status Wire(const ServerConfig& config, mysql::ConnectionPool& pool,
                    AuthServiceOptions& options, AuthServiceDeps& deps);
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SERVER_CREDENTIAL_PARTS_H_
