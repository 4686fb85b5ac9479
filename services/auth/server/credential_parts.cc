// CredentialParts; see credential_parts.h.
#include "services/auth/server/credential_parts.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace auth::service {

absl::Status CredentialParts::Wire(const ServerConfig& config, mysql::ConnectionPool& pool,
                                   AuthServiceOptions& options, AuthServiceDeps& deps) {
  if (!config.totp_secret_key_file.empty()) {
    absl::StatusOr<otp::SealingKey> key = otp::LoadSealingKey(config.totp_secret_key_file);
    if (!key.ok()) return WithWhat("--totp_secret_key_file", key.status());
    totp_sealer = std::make_unique<otp::SecretSealer>(*std::move(key));
  }
  second_factors = std::make_unique<mysql_repository::MysqlSecondFactorRepository>(pool);
  passkeys = std::make_unique<mysql_repository::MysqlPasskeyRepository>(pool);
  options.totp.sealer = totp_sealer.get();
  deps.second_factors = second_factors.get();
  deps.passkeys = passkeys.get();
  return absl::OkStatus();
}

}  // namespace auth::service
