// The JWT keys of a server from its config: loaded from the key files (or a fresh ephemeral key)
// and installed in the rotating set less the revoked kids. Used at start and on every reload
// (SIGHUP) by AuthServer.
#ifndef SERVICES_AUTH_SERVER_SERVER_KEYS_H_
#define SERVICES_AUTH_SERVER_SERVER_KEYS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/token/key_set.h"
#include "libs/token/rotating_key_set.h"
#include "services/auth/server/server_config.h"

namespace auth::service {

// The keys --token_signing_key and --token_verify_keys name; an ephemeral key without them.
absl::StatusOr<token::KeySet> LoadKeys(const ServerConfig& config);

// `keys` into `set` less the kids of --token_revoked_keys_file (a listed signer is refused).
absl::Status InstallKeys(const ServerConfig& config, token::KeySet keys,
                         token::RotatingKeySet& set);

}  // namespace auth::service

#endif  // SERVICES_AUTH_SERVER_SERVER_KEYS_H_
