// Validation of a ServerConfig, and the files it names; see server_config.h.
#include "services/auth/server/server_config.h"

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
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "libs/mail/mail.h"
#include "libs/otp/secret_sealer.h"
#include "services/auth/abuse/attempt_gate.h"
#include "services/auth/http/origin_policy.h"
#include "services/auth/passkey/passkey_options.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::StatusOr<absl::flat_hash_set<std::string>> ReadRevokedKeyIds(const std::string& path) {
  absl::flat_hash_set<std::string> kids;
  if (path.empty()) return kids;
  absl::StatusOr<std::string> contents = ReadConfigFile(path);
  if (!contents.ok()) return contents.status();
  constexpr size_t kMaxKidBytes = 128;  // as libs/token's Key
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*contents, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.size() > kMaxKidBytes ||
        std::any_of(line.begin(), line.end(), [](char c) { return absl::ascii_isspace(c); })) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " line ", line_number, ": expected one key id"));
    }
    kids.insert(std::string(line));
  }
  return kids;
}

absl::Status WithWhat(absl::string_view what, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

namespace {

// Whether the host of `listen` ("127.0.0.1:8080", "[::1]:0") is a loopback address; nullopt if
// it is no IP address (the HTTP front refuses that itself, naming the flag).
std::optional<bool> IsLoopbackListen(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos) return std::nullopt;
  absl::string_view host = listen.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) return std::nullopt;
  const std::string text(host);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  return IN6_IS_ADDR_LOOPBACK(&v6) != 0;
}

}  // namespace

absl::Status ValidateHttpListener(const ServerConfig& config) {
  if (config.http_listen.empty()) return absl::OkStatus();
  if (!config.tls_client_ca.empty() && !config.http_allow_without_client_cert) {
    return absl::InvalidArgumentError(
        "HTTP front: --tls_client_ca requires client certificates of gRPC clients, but "
        "--http_listen would serve every RPC without one; drop --http_listen, or give "
        "--http_allow_without_client_cert when a proxy in front of it checks them");
  }
  if (config.http_tls_cert.empty() && !config.http_allow_plaintext &&
      IsLoopbackListen(config.http_listen) == false) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HTTP front: --http_listen=", config.http_listen,
        " is not a loopback address and has no --http_tls_cert: passwords and tokens would "
        "cross the network in the clear; give --http_tls_cert and --http_tls_key, or "
        "--http_allow_plaintext behind a proxy that terminates TLS"));
  }
  return absl::OkStatus();
}

namespace {

// The mail flags: a mail server needs a sender and the links' base; limits in range.
absl::Status ValidateMailConfig(const ServerConfig& config) {
  const RecoveryOptions& recovery = config.service.recovery;
  if (recovery.password_reset_token_lifetime < absl::Seconds(1) ||
      recovery.password_reset_token_lifetime > absl::Hours(24)) {
    return absl::InvalidArgumentError("--password_reset_token_lifetime: from 1s to 24h");
  }
  if (recovery.email_verification_token_lifetime < absl::Seconds(1) ||
      recovery.email_verification_token_lifetime > absl::Hours(24 * 7)) {
    return absl::InvalidArgumentError("--email_verification_token_lifetime: from 1s to 168h");
  }
  if (config.mail_retry_backoff < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--mail_retry_backoff: at least 1s");
  }
  if (recovery.limits.mails_per_minute < 1) {
    return absl::InvalidArgumentError("--mail_per_minute: at least 1");
  }
  if (recovery.limits.mail_requests_per_address < 0 || recovery.limits.mail_per_account < 0) {
    return absl::InvalidArgumentError(
        "--mail_requests_per_address and --mail_per_account: not "
        "negative (0 = off)");
  }
  if (config.smtp.url.empty()) {
    if (!config.smtp_password_file.empty() || !config.smtp.user.empty()) {
      return absl::InvalidArgumentError(
          "mail: --smtp_user and --smtp_password_file need --smtp_url");
    }
    return absl::OkStatus();
  }
  if (!absl::StartsWith(config.smtp.url, "smtp://") &&
      !absl::StartsWith(config.smtp.url, "smtps://")) {
    return absl::InvalidArgumentError("mail: --smtp_url must be smtp://host[:port] or smtps://");
  }
  if (absl::Status from = mail::ValidateAddress(config.smtp.from); !from.ok()) {
    return WithWhat("mail: --smtp_from", from);
  }
  if (config.smtp.user.empty() != config.smtp_password_file.empty()) {
    return absl::InvalidArgumentError("mail: --smtp_user and --smtp_password_file go together");
  }
  const std::string& base = recovery.public_base_url;
  const bool web_url = absl::StartsWith(base, "https://") || absl::StartsWith(base, "http://");
  if (!web_url || base.find_first_of("?# \t\r\n") != std::string::npos || base.size() > 200) {
    return absl::InvalidArgumentError(
        "mail: --smtp_url needs --public_base_url, the http(s):// address the links in mails "
        "point to (no query or fragment, at most 200 bytes)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateServerConfig(const ServerConfig& config) {
  if (config.database.connect_timeout <= absl::ZeroDuration() ||
      config.database.read_timeout <= absl::ZeroDuration() ||
      config.database.write_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "MySQL timeouts: --mysql_connect_timeout and --mysql_io_timeout must be positive");
  }
  if (config.service.refresh_token_lifetime <= absl::ZeroDuration() ||
      config.service.refresh_family_lifetime <= absl::ZeroDuration() ||
      config.service.refresh_reuse_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "refresh token flags: --refresh_token_lifetime and --refresh_family_lifetime must be "
        "positive and --refresh_reuse_grace not negative");
  }
  if (absl::Status valid = ValidateAbuseLimits(config.service.abuse_limits); !valid.ok()) {
    return WithWhat("abuse limit flags", valid);
  }
  if (config.service.database_batch_queue < 1) {
    return absl::InvalidArgumentError("--database_batch_queue: at least one waiting call");
  }
  if (config.hashing_workers < 1) {
    return absl::InvalidArgumentError("--hashing_workers: at least one hashing worker");
  }
  if (config.health_check_period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--health_check_period must be positive");
  }
  if (config.sweep_period < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--sweep_period must not be negative (0 = never)");
  }
  if (config.tls_reload_interval < absl::Seconds(1) ||
      config.tls_reload_interval != absl::Trunc(config.tls_reload_interval, absl::Seconds(1))) {
    return absl::InvalidArgumentError(
        "TLS: --tls_reload_interval must be whole seconds, at least 1s");
  }
  if (config.token_key_publish_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("JWT keys: --token_key_publish_delay must not be negative");
  }
  if (!config.token_revoked_keys_file.empty()) {
    if (config.token_signing_key.empty()) {
      return absl::InvalidArgumentError(
          "JWT keys: --token_revoked_keys_file needs --token_signing_key (an ephemeral key has "
          "nothing to revoke)");
    }
    absl::StatusOr<absl::flat_hash_set<std::string>> revoked =
        ReadRevokedKeyIds(config.token_revoked_keys_file);
    if (!revoked.ok()) return WithWhat("JWT keys: --token_revoked_keys_file", revoked.status());
  }
  if (config.shutdown_drain_delay < absl::ZeroDuration() ||
      config.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "shutdown flags: --shutdown_drain_delay and --shutdown_grace must not be negative");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return absl::InvalidArgumentError("TLS: --tls_cert and --tls_key go together");
  }
  if (config.http_tls_cert.empty() != config.http_tls_key.empty()) {
    return absl::InvalidArgumentError("HTTP TLS: --http_tls_cert and --http_tls_key go together");
  }
  for (const std::string& origin : config.http_allowed_origins) {
    if (absl::Status valid = http::ValidateOrigin(origin); !valid.ok()) {
      return WithWhat("--http_allowed_origins", valid);
    }
  }
  for (const std::string& origin : config.http_public_origins) {
    if (absl::Status valid = http::ValidateOrigin(origin); !valid.ok()) {
      return WithWhat("--http_public_origins", valid);
    }
  }
  if (config.http_max_connections < 1 || config.http_max_connections_per_address < 1) {
    return absl::InvalidArgumentError(
        "HTTP connections: --http_max_connections and --http_max_connections_per_address must "
        "be at least 1");
  }
  if (config.http_header_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("HTTP: --http_header_timeout must be positive");
  }
  const absl::Status prefix = ValidateCookiePrefix(config.service.cookie_prefix);
  if (!prefix.ok()) return WithWhat("--cookie_prefix", prefix);
  if (absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse(config.trusted_proxies);
      !proxies.ok()) {
    return WithWhat("--trusted_proxies", proxies.status());
  }
  if (config.max_connection_age < absl::ZeroDuration() ||
      config.max_connection_age_grace < absl::ZeroDuration() ||
      config.max_connection_age > absl::Hours(24 * 24) ||
      config.max_connection_age_grace > absl::Hours(24 * 24)) {
    // gRPC takes milliseconds as an int: 24 days is under 2^31 ms.
    return absl::InvalidArgumentError(
        "--max_connection_age and --max_connection_age_grace: from 0 to 576h (24 days)");
  }
  if (absl::Status valid = ValidateMailConfig(config); !valid.ok()) return valid;
  const std::string& issuer = config.service.totp.issuer;
  if (issuer.empty() || issuer.size() > 64 || absl::StrContains(issuer, ':')) {
    return absl::InvalidArgumentError("--totp_issuer: 1-64 characters, no ':'");
  }
  // The one file checked here: a TOTP key others can read must stop the start before the
  // database is touched (AuthServer reads it again to use it).
  if (!config.totp_secret_key_file.empty()) {
    absl::StatusOr<otp::SealingKey> key = otp::LoadSealingKey(config.totp_secret_key_file);
    if (!key.ok()) return WithWhat("--totp_secret_key_file", key.status());
  }
  // Passkeys: the relying party's RP ID, origins and ceremony lifetime.
  if (absl::Status valid = ValidatePasskeyOptions(config.service.passkeys); !valid.ok()) {
    return valid;
  }
  return ValidateHttpListener(config);
}

}  // namespace auth::service
