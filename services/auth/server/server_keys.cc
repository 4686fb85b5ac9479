// The server's JWT keys; see server_keys.h.
#include "services/auth/server/server_keys.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace auth::service {

absl::StatusOr<token::KeySet> LoadKeys(const ServerConfig& config) {
  if (config.token_signing_key.empty()) return token::KeySet::GenerateEphemeral();
  return token::KeySet::FromFiles(config.token_signing_key, config.token_key_id,
                                  config.token_verify_keys);
}

absl::Status InstallKeys(const ServerConfig& config, token::KeySet keys,
                         token::RotatingKeySet& set) {
  absl::StatusOr<absl::flat_hash_set<std::string>> revoked =
      ReadRevokedKeyIds(config.token_revoked_keys_file);
  return revoked.ok() ? set.Reload(std::move(keys), *std::move(revoked))
                      : WithWhat("--token_revoked_keys_file", revoked.status());
}

}  // namespace auth::service
