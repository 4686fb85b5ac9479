// TotpParts: what auth_server adds for TOTP second factors: the sealer of the secrets (from
// --totp_secret_key_file; none without it: the TOTP RPCs then answer FAILED_PRECONDITION) and
// the MySQL second-factor repository, handed to the service. The key file is checked first by
// ValidateServerConfig() (CheckTotpKeyFile), before the database is touched.
#ifndef SERVICES_AUTH_SERVER_TOTP_PARTS_H_
#define SERVICES_AUTH_SERVER_TOTP_PARTS_H_

#include <memory>

#include "absl/status/status.h"
#include "libs/mysql/connection_pool.h"
#include "libs/otp/secret_sealer.h"
#include "libs/repository/mysql/mfa/mysql_second_factor_repository.h"
#include "services/auth/auth_service.h"
#include "services/auth/server/server_config.h"

namespace auth::service {

struct TotpParts {
  std::unique_ptr<otp::SecretSealer> sealer;  // null without --totp_secret_key_file
  std::unique_ptr<mysql_repository::MysqlSecondFactorRepository> repository;

  // Loads the key (if configured), makes the repository over `pool`, and puts both into the
  // service's `options` and `deps`. An unreadable key: LoadSealingKey's error naming the flag.
  absl::Status Wire(const ServerConfig& config, mysql::ConnectionPool& pool,
                    AuthServiceOptions& options, AuthServiceDeps& deps);
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SERVER_TOTP_PARTS_H_
