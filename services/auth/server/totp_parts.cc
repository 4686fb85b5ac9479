// TotpParts; see totp_parts.h.
#include "services/auth/server/totp_parts.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace auth::service {

absl::Status TotpParts::Wire(const ServerConfig& config, mysql::ConnectionPool& pool,
                             AuthServiceOptions& options, AuthServiceDeps& deps) {
  if (!config.totp_secret_key_file.empty()) {
    absl::StatusOr<otp::SealingKey> key = otp::LoadSealingKey(config.totp_secret_key_file);
    if (!key.ok()) return WithWhat("--totp_secret_key_file", key.status());
    sealer = std::make_unique<otp::SecretSealer>(*std::move(key));
  }
  repository = std::make_unique<mysql_repository::MysqlSecondFactorRepository>(pool);
  options.totp.sealer = sealer.get();
  deps.second_factors = repository.get();
  return absl::OkStatus();
}

}  // namespace auth::service
