// ServerConfig: everything auth_server is built from, as one validated struct. The binary fills
// it from its flags (ServerConfigFromFlags); tests fill it directly and build an AuthServer from
// it in-process (auth_server.h).
//
//   absl::StatusOr<ServerConfig> config = ServerConfigFromFlags();   // after ParseCommandLine
//   if (!config.ok()) ...  // the message names the flag that is wrong
//
//   ServerConfig config;                       // in a test: the flags' defaults, then
//   config.listen = "127.0.0.1:0";
//   config.database.endpoint = mariadb.endpoint();
//   ASSERT_THAT(ValidateServerConfig(config), IsOk());
//
// The defaults of the struct are the flags' defaults (see docs/configuration.md).
#ifndef SERVICES_AUTH_SERVER_SERVER_CONFIG_H_
#define SERVICES_AUTH_SERVER_SERVER_CONFIG_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/hashing/argon2_password_hasher.h"
#include "libs/mail/smtp_mail_sender.h"
#include "libs/mysql/connection_pool.h"
#include "services/auth/auth_service.h"

namespace auth::service {

struct ServerConfig {
  // gRPC address; port 0 picks a free one (AuthServer::port()).
  std::string listen = "127.0.0.1:50051";
  // The database: endpoint(s), credentials, pool size (also the database executor's workers),
  // timeouts, Galera's wsrep_sync_wait.
  mysql::ConnectionPoolOptions database;

  // Access tokens: claims, lifetime, keys. An empty signing key means a fresh ephemeral key.
  std::string token_issuer = "auth-service";
  std::string token_audience = "auth-service-clients";
  absl::Duration token_lifetime = absl::Minutes(15);
  std::string token_signing_key;  // path of an Ed25519 private key PEM
  // kid of token_signing_key; empty: the key's RFC 7638 thumbprint, so that a key file replaced
  // by a new key (then SIGHUP) gets a new kid by itself.
  std::string token_key_id = "primary";
  std::map<std::string, std::string> token_verify_keys;  // kid -> public key PEM path
  // After a reload (SIGHUP) brings a new signing key: how long it is published (GetJwks, and
  // accepted) before it signs, so that every verifier knows it first; >= 0.
  absl::Duration token_key_publish_delay = absl::Minutes(10);
  // Path of a file of revoked kids (one a line, '#' comments), read at start and on every
  // SIGHUP: a listed key is dropped at once (RotatingKeySet::Reload); empty: none. Needs
  // token_signing_key.
  std::string token_revoked_keys_file;
  // Access tokens whose signature verdict is remembered until they expire; 0: none.
  size_t verified_token_cache_entries = 65536;

  hashing::Argon2Params argon2;
  // Concurrent password hashes (at least 1) and the calls that may wait for one.
  int hashing_workers = 1;
  size_t hashing_queue = 4096;
  // Calls that may wait for a database worker.
  size_t database_queue = 4096;

  // The service's own options (call bound, refresh tokens, abuse limits, batching). Its
  // jwks_json is filled in by AuthServer from the keys.
  AuthServiceOptions service;

  // How often the database is probed for the gRPC health status (NOT_SERVING while it is
  // unreachable); > 0.
  absl::Duration health_check_period = absl::Seconds(1);
  // How often expired sessions, refresh tokens and attempt counters are deleted (by one
  // replica at a time); 0: never; >= 0.
  absl::Duration sweep_period = absl::Minutes(10);
  // On Shutdown(): how long the server stays up reporting NOT_SERVING (still serving calls) so
  // that load balancers notice and stop sending before it stops accepting; >= 0.
  absl::Duration shutdown_drain_delay = absl::Seconds(5);
  // On Shutdown(), after the drain delay: how long in-flight calls may take to finish.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // TLS (cert and key together), and mTLS with a client CA. Paths of PEM files, read again
  // every tls_reload_interval (whole seconds, >= 1 s): a renewed certificate needs no restart.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  absl::Duration tls_reload_interval = absl::Minutes(1);
  // The HTTP front (services/auth/http) for browsers and non-gRPC consumers: host:port (port 0
  // picks one, AuthServer::http_port()); empty: none.
  std::string http_listen;
  // Browser origins besides the server's own that may call the RPCs over HTTP (CORS, CSRF):
  // "scheme://host[:port]" each.
  std::vector<std::string> http_allowed_origins;
  // The server's own origins over HTTP ("https://auth.example.com"): CSRF and CORS take them
  // for same-origin instead of the Host header's, and a request whose Host is none of them gets
  // 421 (DNS rebinding). Empty: a loopback http_listen answers for its loopback origins only
  // (http://127.0.0.1:<port>, http://localhost:<port>), any other for whatever Host it is sent.
  std::vector<std::string> http_public_origins;
  // TLS for the HTTP front (cert and key together), PEM file paths, read again every
  // tls_reload_interval; every HTTPS answer carries Strict-Transport-Security (a year), with
  // includeSubDomains when http_hsts_include_subdomains.
  std::string http_tls_cert;
  std::string http_tls_key;
  bool http_hsts_include_subdomains = false;
  // Connections the HTTP front holds open at once, in all and per client address (an IPv6
  // address counts as its /64); >= 1 each.
  int http_max_connections = 1024;
  int http_max_connections_per_address = 64;
  // How long a connection has to send a whole request head, from its accept (TLS handshake
  // included) or from the previous answer on a kept-alive one; > 0.
  absl::Duration http_header_timeout = absl::Seconds(10);
  // The front asks no client certificate: with tls_client_ca set it starts only when told that
  // a proxy in front of it checks them.
  bool http_allow_without_client_cert = false;
  // A non-loopback http_listen without TLS starts only when told that a proxy terminates TLS.
  bool http_allow_plaintext = false;
  // Networks (CIDR) of proxies believed about whom they forward for (X-Forwarded-For; see
  // services/auth/rpc/caller.h); empty: every peer is the client.
  std::vector<std::string> trusted_proxies;
  // Longest a gRPC connection lives before the server asks the client to reconnect (so that a
  // client removed from tls_client_ca's bundle is shut out), and how long its calls in flight
  // may then finish; zero age: forever. At most 24 days each (gRPC's int milliseconds).
  absl::Duration max_connection_age = absl::Hours(1);
  absl::Duration max_connection_age_grace = absl::Seconds(30);
  // The mail server of account recovery (libs/mail/smtp_mail_sender.h): smtp.url empty means
  // no mail, and the RPCs that mail answer FAILED_PRECONDITION. The password is read from
  // smtp_password_file by AuthServer. The links, lifetimes and mail limits are in
  // service.recovery (public_base_url is required with a mail server).
  mail::SmtpSettings smtp;
  std::string smtp_password_file;
  // The wait before a mail's second attempt after the mail server failed it; it doubles with
  // each attempt up to an hour (libs/mail/mail_dispatcher.h); >= 1 s.
  absl::Duration mail_retry_backoff = absl::Seconds(30);
  // host:port for Prometheus metrics; empty: none.
  std::string metrics_listen;
  // Where the security audit log goes (libs/audit): "stderr", or a file appended to; empty:
  // nowhere.
  std::string audit_log = "stderr";

  // TOTP second factors: the file of the 32-byte AES-256 key that seals the secrets at rest
  // (libs/otp LoadSealingKey: mode 0600 or 0400); empty: TOTP is not configured and its RPCs
  // answer FAILED_PRECONDITION. Checked by ValidateServerConfig(), before the database is
  // touched.
  // The otpauth URI's issuer is service.totp.issuer (--totp_issuer).
  std::string totp_secret_key_file;
};

// kInvalidArgument naming the flag when a value is out of range or flags that go together are
// not given together, or when the HTTP front would be unsafe (ValidateHttpListener); OK
// otherwise. (Files are read later, by AuthServer; but for the TOTP key, whose errors keep
// their own code: kNotFound, kFailedPrecondition for permissions others have, ...)
absl::Status ValidateServerConfig(const ServerConfig& config);

// kInvalidArgument naming the flags when http_listen would serve every RPC without the client
// certificate tls_client_ca requires of gRPC clients, or would serve a non-loopback address
// without TLS; unless the matching http_allow_* says a proxy takes care of it.
absl::Status ValidateHttpListener(const ServerConfig& config);

// The config the parsed auth_server flags describe, validated; the MySQL password comes from
// --mysql_password_file or the AUTH_MYSQL_PASSWORD environment variable. Errors say what was
// wrong ("MySQL timeouts: --mysql_connect_timeout and ... must be positive").
absl::StatusOr<ServerConfig> ServerConfigFromFlags();

// The kids listed in the revoked-keys file at `path` (one a line; blank lines and '#' comments
// ignored); an empty set for an empty path. kNotFound if unreadable, kInvalidArgument for a
// line that is no kid (whitespace inside, or longer than 128 bytes).
absl::StatusOr<absl::flat_hash_set<std::string>> ReadRevokedKeyIds(const std::string& path);

// The contents of a file the config names (password, keys, TLS); kNotFound if unreadable.
absl::StatusOr<std::string> ReadConfigFile(const std::string& path);

// `status` with "what: " before its message, the form of every start-up error
// (printed as "auth_server: what: why").
absl::Status WithWhat(absl::string_view what, const absl::Status& status);

}  // namespace auth::service

#endif  // SERVICES_AUTH_SERVER_SERVER_CONFIG_H_
