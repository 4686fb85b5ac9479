// The auth_server flags and their reading into a ServerConfig (ServerConfigFromFlags); see
// server_config.h.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/http/origin_policy.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/server/server_config.h"
#include "services/auth/session/session_cookies.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "Address to serve gRPC on.");
ABSL_FLAG(std::string, mysql_endpoint, "tcp://127.0.0.1:3306",
          "MySQL/MariaDB endpoint: tcp://host:port or unix:///path/to/socket; or a "
          "comma-separated list of the nodes of one replicated database (Galera), in order of "
          "preference: connections go to the first healthy one and fail over to the next.");
ABSL_FLAG(std::string, mysql_user, "auth", "MySQL user.");
ABSL_FLAG(std::string, mysql_database, "auth", "MySQL database (schema).");
ABSL_FLAG(std::string, mysql_password_file, "",
          "File holding the MySQL password. Default: the AUTH_MYSQL_PASSWORD environment "
          "variable. (Never a flag: argv is visible to every user of the machine.)");
ABSL_FLAG(int, mysql_pool_size, 16, "MySQL connections; also the database executor's workers.");
ABSL_FLAG(int, max_database_batch, 64,
          "Most queued ValidateToken (or Logout) calls answered by one query (or transaction).");
ABSL_FLAG(int, database_batches_in_flight, 2,
          "Most ValidateToken (or Logout) batches queued or running at once; 0: one per "
          "database worker.");
ABSL_FLAG(int, database_batch_queue, 4096,
          "ValidateToken (and, apart, Logout) calls that may wait for a batch; more are refused "
          "with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, verified_token_cache_entries, 65536,
          "Access tokens whose signature check is remembered until they expire (~250 bytes "
          "each); 0 checks every time.");
ABSL_FLAG(int, mysql_wsrep_sync_wait, 7,
          "On a Galera node (detected at connect; ignored elsewhere): the sessions' "
          "wsrep_sync_wait. 7 = every statement first sees every write committed through any "
          "node before it (a logout on one replica is enforced by all, also after a failover); "
          "1 = reads only; 0 = off.");
ABSL_FLAG(std::string, token_issuer, "auth-service", "JWT iss claim.");
ABSL_FLAG(std::string, token_audience, "auth-service-clients", "JWT aud claim.");
ABSL_FLAG(absl::Duration, token_lifetime, absl::Minutes(15), "Access token lifetime.");
ABSL_FLAG(absl::Duration, refresh_token_lifetime, absl::Hours(24 * 30),
          "How long a refresh token (from Login or RefreshToken) stays usable.");
ABSL_FLAG(absl::Duration, refresh_family_lifetime, absl::Hours(24 * 30),
          "How long a refresh-token family lasts from the login that started it, however often "
          "it rotates; then the user must log in again.");
ABSL_FLAG(std::string, cookie_prefix, "",
          "Starts every cookie name the service sets and reads: __Host-, __Secure- or a token.");
ABSL_FLAG(absl::Duration, refresh_reuse_grace, absl::ZeroDuration(),
          "A rotated refresh token presented again within this time is refused without "
          "revoking its family (tolerates a client retrying a lost response), unless its "
          "successor has been used already; 0 = never.");
ABSL_FLAG(std::string, token_signing_key, "",
          "Ed25519 private key PEM (make one with //libs/token:jwt_keygen). Empty: a fresh "
          "ephemeral key, for local development only: tokens die with the process.");
ABSL_FLAG(std::string, token_key_id, "primary",
          "kid of --token_signing_key; empty: the key's RFC 7638 thumbprint (needed to rotate the "
          "key by replacing its file and sending SIGHUP).");
ABSL_FLAG(absl::Duration, token_key_publish_delay, absl::Minutes(10),
          "After SIGHUP reloads a new signing key: how long it is published in GetJwks (and "
          "accepted) before it signs; the key it replaces signs until then.");
ABSL_FLAG(
    std::string, token_revoked_keys_file, "",
    "File of revoked kids, one a line ('#' comments), read at start and on SIGHUP: a listed key "
    "is dropped at once, and the reloaded key signs at once. Needs --token_signing_key.");
ABSL_FLAG(std::vector<std::string>, token_verify_keys, {},
          "Older public keys still accepted, as kid=path.pem,... (key rotation).");
ABSL_FLAG(int, argon2_memory_kib, 19456, "Argon2id memory cost (KiB).");
ABSL_FLAG(int, argon2_iterations, 2, "Argon2id time cost.");
ABSL_FLAG(int, argon2_parallelism, 1, "Argon2id lanes.");
ABSL_FLAG(int, hashing_workers, 0, "Concurrent password hashes; 0 = one per core.");
ABSL_FLAG(int, hashing_queue, 4096, "Calls that may wait for a hashing worker.");
ABSL_FLAG(int, database_queue, 4096, "Calls that may wait for a database worker.");
ABSL_FLAG(absl::Duration, max_call_duration, absl::Seconds(10),
          "Upper bound on any call's waits, whatever the client's deadline.");
ABSL_FLAG(int64_t, login_failures_per_account, 5,
          "Failed logins from untrusted clients (without a valid device cookie of the account) an "
          "account may have within --login_failure_window before further untrusted attempts are "
          "refused (RESOURCE_EXHAUSTED, retry-after); its trusted devices are not. An untrusted "
          "success resets it. 0 = off.");
ABSL_FLAG(int64_t, login_failures_per_account_address, 5,
          "Failed untrusted logins of one account from one client address within "
          "--login_failure_window; IPv6 counts per /64. 0 = off.");
ABSL_FLAG(int64_t, login_failures_per_device, 5,
          "Failed logins one device (a valid device cookie, given by a successful login) may "
          "make within --login_failure_window while trusted; past it, its logins count as "
          "untrusted. 0 = no device cookies (none issued, every login untrusted).");
ABSL_FLAG(bool, conceal_accounts, false,
          "Login answers an unknown account exactly as a wrong password (UNAUTHENTICATED), after "
          "verifying a dummy hash, instead of NOT_FOUND.");
ABSL_FLAG(bool, require_verified_email, false,
          "Login refuses (FAILED_PRECONDITION), once the password checks out, an account whose "
          "email address was not verified through a mailed link (AccountService.VerifyEmail).");
ABSL_FLAG(int64_t, login_failures_per_address, 50,
          "Failed logins (including unknown accounts) one client address may have within "
          "--login_failure_window; IPv6 counts per /64. 0 = off.");
ABSL_FLAG(absl::Duration, login_failure_window, absl::Minutes(15),
          "The window of the login limits; it starts with a key's first counted attempt.");
ABSL_FLAG(int64_t, refresh_failures_per_address, 100,
          "Failed RefreshToken calls (unknown, expired or revoked tokens) one client address may "
          "make within --login_failure_window; past it, each replica refuses that address's "
          "RefreshToken calls (RESOURCE_EXHAUSTED, retry-after) without the database until the "
          "window ends. 0 = off.");
ABSL_FLAG(std::string, smtp_url, "",
          "The mail server of account recovery: smtp://host[:port] (STARTTLS required unless "
          "the host is loopback) or smtps://host[:port]. Empty: no mail, and "
          "RequestPasswordReset answers FAILED_PRECONDITION.");
ABSL_FLAG(std::string, smtp_from, "",
          "The sender address of the service's mails (MAIL FROM and From); required with "
          "--smtp_url.");
ABSL_FLAG(std::string, smtp_user, "", "SMTP login name; with --smtp_password_file.");
ABSL_FLAG(std::string, smtp_password_file, "",
          "File holding the SMTP password (trailing newline ignored); with --smtp_user.");
ABSL_FLAG(std::string, smtp_ca_file, "",
          "PEM file of the CAs that verify the mail server's certificate; empty: the system's.");
ABSL_FLAG(std::string, public_base_url, "",
          "Where the links in mails point, e.g. https://auth.example.com: "
          "<base>/reset-password#token=... Never taken from a request. Required with "
          "--smtp_url.");
ABSL_FLAG(absl::Duration, password_reset_token_lifetime, absl::Minutes(30),
          "How long a password-reset link works (1s to 24h); a newer one voids it at once.");
ABSL_FLAG(absl::Duration, email_verification_token_lifetime, absl::Hours(24),
          "How long an email verification link works (1s to 7 days); a newer one voids it.");
// Passkeys (WebAuthn).
ABSL_FLAG(std::string, webauthn_rp_id, "",
          "The WebAuthn relying party ID of passkeys: the site's host name, e.g. example.com "
          "(not an IP address). Empty: no passkeys, their RPCs answer FAILED_PRECONDITION.");
ABSL_FLAG(std::vector<std::string>, webauthn_origins, {},
          "The exact origins passkey ceremonies may come from (comma-separated), e.g. "
          "https://example.com; each host is --webauthn_rp_id or under it; http:// only for "
          "localhost. Required with --webauthn_rp_id.");
ABSL_FLAG(absl::Duration, webauthn_ceremony_lifetime, absl::Minutes(5),
          "How long a passkey registration or sign-in ceremony (its challenge) lasts (1s to "
          "30m).");
ABSL_FLAG(int64_t, webauthn_ceremonies_per_address, 100,
          "BeginPasskeyLogin calls one client address may make within --login_failure_window "
          "(each stores a ceremony); past it RESOURCE_EXHAUSTED with retry-after. 0 = off.");
ABSL_FLAG(absl::Duration, mail_retry_backoff, absl::Seconds(30),
          "After the mail server fails a mail, the wait before its next attempt (doubling each "
          "time, at most 1h; given up after 10 attempts).");
ABSL_FLAG(int64_t, mail_requests_per_address, 10,
          "RequestPasswordReset and SendEmailVerification calls one client address may make an "
          "hour; past it they are still answered OK and nothing is sent. 0 = off.");
ABSL_FLAG(int64_t, mail_per_account, 3,
          "Mails one account may get an hour (reset and verification links together); past it "
          "requests are still answered OK and nothing is sent. 0 = off.");
ABSL_FLAG(int64_t, mail_per_minute, 60,
          "Most mails the whole service (every replica together) queues per minute; past it, "
          "requests are still answered OK and nothing is sent.");
ABSL_FLAG(int64_t, registrations_per_address, 20,
          "Registration attempts one client address may make within --registration_window. "
          "0 = off.");
ABSL_FLAG(absl::Duration, registration_window, absl::Hours(1),
          "The window of --registrations_per_address.");
ABSL_FLAG(absl::Duration, mysql_connect_timeout, absl::Seconds(2),
          "Bound on opening a MySQL connection (whole seconds).");
ABSL_FLAG(absl::Duration, mysql_io_timeout, absl::Seconds(3),
          "Bound on each MySQL read or write attempt (whole seconds; the client library retries "
          "a read up to 3 times and a write twice), so a hung database cannot hold a call.");
ABSL_FLAG(absl::Duration, health_check_period, absl::Seconds(1),
          "How often the database is probed (SELECT 1 on a connection of its own); the gRPC "
          "health service reports NOT_SERVING from the first failed probe until one succeeds.");
ABSL_FLAG(absl::Duration, sweep_period, absl::Minutes(10),
          "How often expired sessions, refresh tokens and attempt counters are deleted, in "
          "small batches, by one replica at a time (a MariaDB named lock); 0 = never.");
ABSL_FLAG(absl::Duration, shutdown_drain_delay, absl::Seconds(5),
          "On SIGTERM, how long the server keeps serving while health reports NOT_SERVING, so "
          "that load balancers stop sending calls before it stops accepting them; 0 = none.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, after --shutdown_drain_delay: how long in-flight calls may take to "
          "finish.");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain; with --tls_key enables TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; when set, clients must present a certificate it signed (mTLS).");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Minutes(1),
          "How often --tls_cert, --tls_key and --tls_client_ca are read again (a renewed "
          "certificate is served without a restart); whole seconds, at least 1s.");
ABSL_FLAG(std::string, http_listen, "",
          "host:port of the HTTP front for browsers and non-gRPC consumers (Connect and gRPC-Web "
          "for every RPC, the sign-in page, /healthz, /.well-known/jwks.json); port 0 picks one. "
          "Empty: none.");
ABSL_FLAG(std::vector<std::string>, http_allowed_origins, {},
          "Comma-separated browser origins (scheme://host[:port]) besides the server's own that "
          "may call the RPCs over HTTP: CORS preflights and the CSRF check.");
ABSL_FLAG(std::vector<std::string>, http_public_origins, {},
          "Comma-separated origins (scheme://host[:port]) the HTTP front is reached at: CSRF and "
          "CORS take them as the server's own, and a request whose Host is none of them gets 421 "
          "(DNS rebinding). Empty: a loopback --http_listen answers for its loopback origins "
          "(127.0.0.1/[::1] and localhost on its port), any other for whatever Host it is sent.");
ABSL_FLAG(std::string, http_tls_cert, "",
          "PEM certificate chain; with --http_tls_key the HTTP front serves HTTPS only (with "
          "Strict-Transport-Security). Read again every --tls_reload_interval.");
ABSL_FLAG(bool, http_hsts_include_subdomains, false,
          "Add includeSubDomains to the HTTP front's Strict-Transport-Security header: only when "
          "every subdomain of its host is served over HTTPS.");
ABSL_FLAG(int, http_max_connections, 1024,
          "Connections the HTTP front holds open at once; more are closed on accept.");
ABSL_FLAG(int, http_max_connections_per_address, 64,
          "Connections the HTTP front holds open at once per client address (an IPv6 address "
          "counts as its /64); more are closed on accept.");
ABSL_FLAG(absl::Duration, http_header_timeout, absl::Seconds(10),
          "How long an HTTP connection has to send a whole request head, from its accept (TLS "
          "handshake included) or the previous answer; then it is closed.");
ABSL_FLAG(std::string, http_tls_key, "", "PEM private key for --http_tls_cert.");
ABSL_FLAG(bool, http_allow_without_client_cert, false,
          "Start the HTTP front although --tls_client_ca requires client certificates of gRPC "
          "clients: the front asks none, so say so only when a proxy in front of it checks them.");
ABSL_FLAG(bool, http_allow_plaintext, false,
          "Serve the HTTP front without TLS on a non-loopback --http_listen: only behind a "
          "proxy that terminates TLS (passwords and tokens cross the network otherwise).");
ABSL_FLAG(std::vector<std::string>, trusted_proxies, {},
          "Comma-separated networks (CIDR: 10.0.0.0/8,2001:db8::/32; a bare address is one "
          "host) of proxies believed about whom they forward for: from such a peer the client "
          "is the rightmost untrusted entry of X-Forwarded-For (HTTP) or x-forwarded-for "
          "metadata (gRPC); any other peer's is ignored. Empty: every peer is the client.");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Hours(1),
          "Longest a gRPC connection lives: then the server asks the client to reconnect (so a "
          "client removed from --tls_client_ca's bundle is shut out within this time), giving "
          "calls in flight --max_connection_age_grace. 0: forever.");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Seconds(30),
          "After --max_connection_age: how long calls in flight may still finish before the "
          "connection is closed.");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on (GET /metrics, plain HTTP, no auth: keep it "
          "on loopback or a private network); port 0 picks one. Empty: no metrics.");
ABSL_FLAG(std::string, audit_log, "stderr",
          "Where the security audit log goes, one JSON object per line (registrations, logins, "
          "failures, refusals, logouts, refreshes, refresh-token reuse, abuse limits hit; never "
          "a secret): `stderr`, or a file to append to (created with mode 0600). Empty: off.");

ABSL_FLAG(std::string, totp_secret_key_file, "",
          "TOTP second factors: a file of exactly 32 random bytes (mode 0600 or 0400; e.g. "
          "`head -c 32 /dev/urandom`), the AES-256-GCM key that seals the TOTP secrets in the "
          "database. Empty: TOTP is not offered (its RPCs answer FAILED_PRECONDITION). Losing "
          "or changing it turns every enrolled TOTP off in effect: keep it with the backups.");
ABSL_FLAG(std::string, totp_issuer, "auth",
          "TOTP: the issuer named in the otpauth URI (what authenticator apps show beside the "
          "account); 1-64 characters, no ':'.");

namespace auth::service {

namespace {

absl::StatusOr<std::string> MysqlPassword() {
  const std::string file = absl::GetFlag(FLAGS_mysql_password_file);
  if (!file.empty()) {
    absl::StatusOr<std::string> password = ReadConfigFile(file);
    if (!password.ok()) return password.status();
    return std::string(absl::StripTrailingAsciiWhitespace(*password));
  }
  const char* env = std::getenv("AUTH_MYSQL_PASSWORD");
  return std::string(env == nullptr ? "" : env);
}

}  // namespace

absl::StatusOr<ServerConfig> ServerConfigFromFlags() {
  ServerConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);

  absl::StatusOr<std::string> mysql_password = MysqlPassword();
  if (!mysql_password.ok()) return WithWhat("MySQL password", mysql_password.status());
  mysql::ConnectionPoolOptions& database = config.database;
  database.endpoint = absl::GetFlag(FLAGS_mysql_endpoint);
  database.user = absl::GetFlag(FLAGS_mysql_user);
  database.password = *std::move(mysql_password);
  database.database = absl::GetFlag(FLAGS_mysql_database);
  database.size = absl::GetFlag(FLAGS_mysql_pool_size);
  database.wsrep_sync_wait = absl::GetFlag(FLAGS_mysql_wsrep_sync_wait);
  database.connect_timeout = absl::GetFlag(FLAGS_mysql_connect_timeout);
  database.read_timeout = absl::GetFlag(FLAGS_mysql_io_timeout);
  database.write_timeout = absl::GetFlag(FLAGS_mysql_io_timeout);

  config.token_issuer = absl::GetFlag(FLAGS_token_issuer);
  config.token_audience = absl::GetFlag(FLAGS_token_audience);
  config.token_lifetime = absl::GetFlag(FLAGS_token_lifetime);
  config.token_signing_key = absl::GetFlag(FLAGS_token_signing_key);
  config.token_key_id = absl::GetFlag(FLAGS_token_key_id);
  config.token_key_publish_delay = absl::GetFlag(FLAGS_token_key_publish_delay);
  config.token_revoked_keys_file = absl::GetFlag(FLAGS_token_revoked_keys_file);
  // Older keys only matter with a configured signing key (an ephemeral key has no history).
  if (!config.token_signing_key.empty()) {
    for (const std::string& entry : absl::GetFlag(FLAGS_token_verify_keys)) {
      std::vector<std::string> kid_path = absl::StrSplit(entry, absl::MaxSplits('=', 1));
      if (kid_path.size() != 2 || kid_path[0].empty() || kid_path[1].empty()) {
        return absl::InvalidArgumentError("JWT keys: --token_verify_keys: expected kid=path, got " +
                                          entry);
      }
      config.token_verify_keys[kid_path[0]] = kid_path[1];
    }
  }
  config.verified_token_cache_entries =
      static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_verified_token_cache_entries)));

  config.argon2.memory_kib = absl::GetFlag(FLAGS_argon2_memory_kib);
  config.argon2.iterations = absl::GetFlag(FLAGS_argon2_iterations);
  config.argon2.parallelism = absl::GetFlag(FLAGS_argon2_parallelism);
  config.hashing_workers = absl::GetFlag(FLAGS_hashing_workers);
  if (config.hashing_workers <= 0) {
    config.hashing_workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  config.hashing_queue = static_cast<size_t>(absl::GetFlag(FLAGS_hashing_queue));
  config.database_queue = static_cast<size_t>(absl::GetFlag(FLAGS_database_queue));

  AuthServiceOptions& service = config.service;
  service.max_call_duration = absl::GetFlag(FLAGS_max_call_duration);
  service.refresh_token_lifetime = absl::GetFlag(FLAGS_refresh_token_lifetime);
  service.refresh_family_lifetime = absl::GetFlag(FLAGS_refresh_family_lifetime);
  service.refresh_reuse_grace = absl::GetFlag(FLAGS_refresh_reuse_grace);
  service.cookie_prefix = absl::GetFlag(FLAGS_cookie_prefix);
  service.abuse_limits.login_failures_per_account = absl::GetFlag(FLAGS_login_failures_per_account);
  service.abuse_limits.login_failures_per_account_address =
      absl::GetFlag(FLAGS_login_failures_per_account_address);
  service.abuse_limits.login_failures_per_device = absl::GetFlag(FLAGS_login_failures_per_device);
  service.abuse_limits.login_failures_per_address = absl::GetFlag(FLAGS_login_failures_per_address);
  service.conceal_accounts = absl::GetFlag(FLAGS_conceal_accounts);
  service.require_verified_email = absl::GetFlag(FLAGS_require_verified_email);
  service.abuse_limits.login_window = absl::GetFlag(FLAGS_login_failure_window);
  service.abuse_limits.registrations_per_address = absl::GetFlag(FLAGS_registrations_per_address);
  service.abuse_limits.refresh_failures_per_address =
      absl::GetFlag(FLAGS_refresh_failures_per_address);
  service.abuse_limits.register_window = absl::GetFlag(FLAGS_registration_window);
  service.max_database_batch = absl::GetFlag(FLAGS_max_database_batch);
  service.database_batches_in_flight = absl::GetFlag(FLAGS_database_batches_in_flight);
  service.database_batch_queue = absl::GetFlag(FLAGS_database_batch_queue);

  config.health_check_period = absl::GetFlag(FLAGS_health_check_period);
  config.sweep_period = absl::GetFlag(FLAGS_sweep_period);
  config.shutdown_drain_delay = absl::GetFlag(FLAGS_shutdown_drain_delay);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  config.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key = absl::GetFlag(FLAGS_tls_key);
  config.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  config.tls_reload_interval = absl::GetFlag(FLAGS_tls_reload_interval);
  config.http_listen = absl::GetFlag(FLAGS_http_listen);
  config.http_allowed_origins = absl::GetFlag(FLAGS_http_allowed_origins);
  config.http_public_origins = absl::GetFlag(FLAGS_http_public_origins);
  config.http_tls_cert = absl::GetFlag(FLAGS_http_tls_cert);
  config.http_hsts_include_subdomains = absl::GetFlag(FLAGS_http_hsts_include_subdomains);
  config.http_max_connections = absl::GetFlag(FLAGS_http_max_connections);
  config.http_max_connections_per_address = absl::GetFlag(FLAGS_http_max_connections_per_address);
  config.http_header_timeout = absl::GetFlag(FLAGS_http_header_timeout);
  config.http_tls_key = absl::GetFlag(FLAGS_http_tls_key);
  config.http_allow_without_client_cert = absl::GetFlag(FLAGS_http_allow_without_client_cert);
  config.http_allow_plaintext = absl::GetFlag(FLAGS_http_allow_plaintext);
  config.trusted_proxies = absl::GetFlag(FLAGS_trusted_proxies);
  config.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  config.max_connection_age_grace = absl::GetFlag(FLAGS_max_connection_age_grace);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.audit_log = absl::GetFlag(FLAGS_audit_log);
  config.smtp.url = absl::GetFlag(FLAGS_smtp_url);
  config.smtp.from = absl::GetFlag(FLAGS_smtp_from);
  config.smtp.user = absl::GetFlag(FLAGS_smtp_user);
  config.smtp.ca_file = absl::GetFlag(FLAGS_smtp_ca_file);
  config.smtp_password_file = absl::GetFlag(FLAGS_smtp_password_file);
  config.mail_retry_backoff = absl::GetFlag(FLAGS_mail_retry_backoff);
  RecoveryOptions& recovery = service.recovery;
  recovery.mail_configured = !config.smtp.url.empty();
  recovery.public_base_url = absl::GetFlag(FLAGS_public_base_url);
  recovery.password_reset_token_lifetime = absl::GetFlag(FLAGS_password_reset_token_lifetime);
  recovery.email_verification_token_lifetime =
      absl::GetFlag(FLAGS_email_verification_token_lifetime);
  recovery.limits.mails_per_minute = absl::GetFlag(FLAGS_mail_per_minute);
  recovery.limits.mail_requests_per_address = absl::GetFlag(FLAGS_mail_requests_per_address);
  recovery.limits.mail_per_account = absl::GetFlag(FLAGS_mail_per_account);
  config.totp_secret_key_file = absl::GetFlag(FLAGS_totp_secret_key_file);
  service.totp.issuer = absl::GetFlag(FLAGS_totp_issuer);
  // Passkeys.
  service.passkeys.rp_id = absl::GetFlag(FLAGS_webauthn_rp_id);
  service.passkeys.origins = absl::GetFlag(FLAGS_webauthn_origins);
  service.passkeys.ceremony_lifetime = absl::GetFlag(FLAGS_webauthn_ceremony_lifetime);
  service.passkeys.ceremonies_per_address = absl::GetFlag(FLAGS_webauthn_ceremonies_per_address);
  service.passkeys.ceremonies_window = absl::GetFlag(FLAGS_login_failure_window);

  if (absl::Status valid = ValidateServerConfig(config); !valid.ok()) return valid;
  return config;
}

}  // namespace auth::service
