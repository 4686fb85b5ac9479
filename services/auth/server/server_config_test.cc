// Unit tests of ServerConfig: the flags' defaults, and what ValidateServerConfig refuses.
#include "services/auth/server/server_config.h"

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"

namespace auth::service {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// A config the flags' defaults describe (with the password a deployment would give).
ServerConfig Defaults() {
  absl::StatusOr<ServerConfig> config = ServerConfigFromFlags();
  EXPECT_THAT(config.status(), IsOk());
  return config.ok() ? *config : ServerConfig();
}

TEST(ServerConfigTest, FlagDefaultsAreValidAndMatchTheStruct) {
  const ServerConfig config = Defaults();
  EXPECT_EQ(config.listen, "127.0.0.1:50051");
  EXPECT_EQ(config.database.endpoint, "tcp://127.0.0.1:3306");
  EXPECT_EQ(config.database.size, 16);
  EXPECT_EQ(config.database.read_timeout, absl::Seconds(3));
  EXPECT_EQ(config.token_key_id, "primary");
  EXPECT_EQ(config.token_key_publish_delay, absl::Minutes(10));
  EXPECT_EQ(config.tls_reload_interval, absl::Minutes(1));
  EXPECT_EQ(config.verified_token_cache_entries, 65536u);
  EXPECT_GE(config.hashing_workers, 1);
  EXPECT_EQ(config.service.max_database_batch, 64);
  EXPECT_EQ(config.service.database_batch_queue, 4096);
  // 30 days (it was 90): a stolen refresh token's family ends a month after its login at most.
  EXPECT_EQ(config.service.refresh_family_lifetime, absl::Hours(24 * 30));
  EXPECT_EQ(ServerConfig().service.refresh_family_lifetime, absl::Hours(24 * 30));
  EXPECT_TRUE(config.trusted_proxies.empty());  // no peer is believed about others
  EXPECT_EQ(config.max_connection_age, absl::Hours(1));
  EXPECT_EQ(config.max_connection_age_grace, absl::Seconds(30));
  EXPECT_EQ(config.service.abuse_limits.login_failures_per_account, 5);
  EXPECT_EQ(config.service.abuse_limits.login_failures_per_account_address, 5);
  EXPECT_EQ(config.service.abuse_limits.login_failures_per_device, 5);
  EXPECT_FALSE(config.service.conceal_accounts);  // the spec's NOT_FOUND
  EXPECT_EQ(config.shutdown_grace, absl::Seconds(10));
  EXPECT_EQ(config.health_check_period, absl::Seconds(1));
  EXPECT_EQ(config.sweep_period, absl::Minutes(10));
  EXPECT_EQ(config.shutdown_drain_delay, absl::Seconds(5));
  EXPECT_EQ(config.audit_log, "stderr");       // on by default
  EXPECT_EQ(config.totp_secret_key_file, "");  // TOTP off until a key is given
  EXPECT_EQ(config.service.totp.issuer, "auth");
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
}

TEST(ServerConfigTest, RefusesATotpIssuerAppsCannotShowNamingTheFlag) {
  ServerConfig config = Defaults();
  for (const std::string& issuer :
       {std::string(), std::string("Example:Corp"), std::string(65, 'x')}) {
    config.service.totp.issuer = issuer;
    EXPECT_THAT(ValidateServerConfig(config),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--totp_issuer")));
  }
  config.service.totp.issuer = "Example Corp";
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
}

TEST(ServerConfigTest, MailServerNeedsASenderAndTheLinksBaseNamingTheFlag) {
  ServerConfig config = Defaults();
  config.smtp.url = "smtp://127.0.0.1:2525";
  config.smtp.from = "auth@example.org";
  config.service.recovery.public_base_url = "https://auth.example.org";
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  const auto refused_naming = [&](const ServerConfig& bad, const std::string& flag) {
    const absl::Status status = ValidateServerConfig(bad);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << flag;
    EXPECT_THAT(std::string(status.message()), HasSubstr(flag));
  };
  ServerConfig bad = config;
  bad.smtp.url = "http://mail.example.org";
  refused_naming(bad, "--smtp_url");
  bad = config;
  bad.smtp.from = "auth@example.org\r\nBcc: x@y.org";
  refused_naming(bad, "--smtp_from");
  for (const std::string base : {"", "auth.example.org", "https://a.example/#x", "https://a/?q"}) {
    bad = config;
    bad.service.recovery.public_base_url = base;
    refused_naming(bad, "--public_base_url");
  }
  bad = config;
  bad.smtp.user = "mailer";
  refused_naming(bad, "--smtp_password_file");
  bad = config;
  bad.service.recovery.password_reset_token_lifetime = absl::Milliseconds(500);
  refused_naming(bad, "--password_reset_token_lifetime");
  bad = config;
  bad.service.recovery.limits.mails_per_minute = 0;
  refused_naming(bad, "--mail_per_minute");
  bad = Defaults();
  bad.smtp_password_file = "/run/secrets/smtp";
  refused_naming(bad, "--smtp_url");
}

TEST(ServerConfigTest, RefusesTrustedProxiesThatAreNotNetworksNamingTheFlag) {
  ServerConfig config = Defaults();
  config.trusted_proxies = {"10.0.0.0/8", "2001:db8::/32", "127.0.0.1"};
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  for (const std::string bad : {"10.0.0.0/33", "proxy.example.com", "2001:db8::/200"}) {
    config.trusted_proxies = {"10.0.0.0/8", bad};
    const absl::Status status = ValidateServerConfig(config);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(status.message()), HasSubstr("--trusted_proxies"));
    EXPECT_THAT(std::string(status.message()), HasSubstr(bad));
  }
}

TEST(ServerConfigTest, RefusesAConnectionAgeGrpcCannotTakeNamingTheFlag) {
  ServerConfig config = Defaults();
  config.max_connection_age = absl::ZeroDuration();  // forever: allowed
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  for (absl::Duration bad : {absl::Seconds(-1), absl::Hours(24 * 25)}) {
    config.max_connection_age = bad;
    const absl::Status status = ValidateServerConfig(config);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(status.message()), HasSubstr("--max_connection_age"));
  }
}

TEST(ServerConfigTest, RefusesNonPositiveTimeouts) {
  ServerConfig config = Defaults();
  config.database.connect_timeout = absl::ZeroDuration();
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--mysql_connect_timeout"));
}

TEST(ServerConfigTest, RefusesBadRefreshTokenSettings) {
  ServerConfig config = Defaults();
  config.service.refresh_reuse_grace = absl::Seconds(-1);
  EXPECT_THAT(ValidateServerConfig(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = Defaults();
  config.service.refresh_family_lifetime = absl::ZeroDuration();
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--refresh_family_lifetime"));
}

TEST(ServerConfigTest, RefusesAnEmptyBatchQueueNamingTheFlag) {
  ServerConfig config = Defaults();
  config.service.database_batch_queue = 0;
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--database_batch_queue"));
}

TEST(ServerConfigTest, PasskeysAreOffByDefaultAndAMisconfigurationNamesTheFlag) {
  ServerConfig config = Defaults();
  EXPECT_FALSE(config.service.passkeys.enabled());
  EXPECT_EQ(config.service.passkeys.ceremony_lifetime, absl::Minutes(5));
  EXPECT_EQ(config.service.passkeys.ceremonies_per_address, 100);
  config.service.passkeys.rp_id = "localhost";
  EXPECT_THAT(std::string(ValidateServerConfig(config).message()), HasSubstr("--webauthn_origins"));
  config.service.passkeys.origins = {"http://localhost:8080"};
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  config.service.passkeys.origins = {"http://127.0.0.1:8080"};
  EXPECT_THAT(std::string(ValidateServerConfig(config).message()), HasSubstr("--webauthn_origins"));
}

TEST(ServerConfigTest, RefusesBadAbuseLimitsNamingTheFlag) {
  ServerConfig config = Defaults();
  config.service.abuse_limits.registrations_per_address = -1;
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--registrations_per_address"));
}

TEST(ServerConfigTest, RefusesNegativeDeviceAndAccountAddressLimitsNamingTheFlag) {
  ServerConfig config = Defaults();
  config.service.abuse_limits.login_failures_per_device = -1;
  absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--login_failures_per_device"));
  config = Defaults();
  config.service.abuse_limits.login_failures_per_account_address = -1;
  status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--login_failures_per_account_address"));
}

TEST(ServerConfigTest, RefusesABadTlsReloadIntervalNamingTheFlag) {
  ServerConfig config = Defaults();
  for (absl::Duration bad : {absl::ZeroDuration(), absl::Milliseconds(1500)}) {
    config.tls_reload_interval = bad;
    const absl::Status status = ValidateServerConfig(config);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(status.message()), HasSubstr("--tls_reload_interval"));
  }
}

TEST(ServerConfigTest, RefusesANegativeKeyPublishDelayNamingTheFlag) {
  ServerConfig config = Defaults();
  config.token_key_publish_delay = absl::ZeroDuration();  // sign with a new key at once: allowed
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  config.token_key_publish_delay = absl::Seconds(-1);
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--token_key_publish_delay"));
}

TEST(ServerConfigTest, ReadsRevokedKeyIdsAndRefusesABadFileNamingTheFlag) {
  const std::string path = test_util::TestTempPath("revoked-kids");
  std::ofstream(path) << "# dropped 2026-12-07\n  leaked-kid  # from the backup\n\nother\n";
  EXPECT_THAT(ReadRevokedKeyIds(path), IsOkAndHolds(UnorderedElementsAre("leaked-kid", "other")));
  EXPECT_THAT(ReadRevokedKeyIds(""), IsOkAndHolds(IsEmpty()));

  ServerConfig config = Defaults();
  config.token_revoked_keys_file = path;
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--token_signing_key")));
  config.token_signing_key = "jwt.pem";  // not read by validation
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  std::ofstream(path) << "two kids\n";
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--token_revoked_keys_file")));
  config.token_revoked_keys_file = path + ".missing";
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("--token_revoked_keys_file")));
}

TEST(ServerConfigTest, RefusesAnUnsafeCookiePrefixNamingTheFlag) {
  ServerConfig config = Defaults();
  EXPECT_EQ(config.service.cookie_prefix, "");  // the spec's names
  config.service.cookie_prefix = "__Host-";
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  config.service.cookie_prefix = "__host-";
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--cookie_prefix")));
  config.service.cookie_prefix = "a=b; ";
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--cookie_prefix")));
}

TEST(ServerConfigTest, RefusesBadHealthAndShutdownSettingsNamingTheFlag) {
  ServerConfig config = Defaults();
  config.health_check_period = absl::ZeroDuration();
  absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--health_check_period"));

  config = Defaults();
  config.shutdown_drain_delay = absl::ZeroDuration();  // no drain: allowed
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  config.shutdown_drain_delay = absl::Seconds(-1);
  status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--shutdown_drain_delay"));
}

TEST(ServerConfigTest, RefusesANegativeSweepPeriodNamingTheFlag) {
  ServerConfig config = Defaults();
  config.sweep_period = absl::ZeroDuration();  // never sweep: allowed
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  config.sweep_period = absl::Seconds(-1);
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--sweep_period"));
}

TEST(ServerConfigTest, RefusesHalfATlsPair) {
  ServerConfig config = Defaults();
  config.tls_cert = "cert.pem";
  EXPECT_THAT(ValidateServerConfig(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config.tls_key = "key.pem";
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
}

TEST(ServerConfigTest, RefusesHalfAnHttpTlsPair) {
  ServerConfig config = Defaults();
  config.http_tls_key = "key.pem";
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--http_tls_cert"));
  config.http_tls_cert = "cert.pem";
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
}

TEST(ServerConfigTest, RefusesAllowedOriginsThatAreNotOrigins) {
  ServerConfig config = Defaults();
  config.http_allowed_origins = {"https://app.example.com", "http://127.0.0.1:9000"};
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  for (const char* bad : {"app.example.com", "https://app.example.com/", "ftp://x", "*"}) {
    config.http_allowed_origins = {bad};
    const absl::Status status = ValidateServerConfig(config);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(std::string(status.message()), HasSubstr("--http_allowed_origins")) << bad;
  }
}

TEST(ServerConfigTest, RefusesPublicOriginsThatAreNotOrigins) {
  ServerConfig config = Defaults();
  config.http_public_origins = {"https://auth.example.com", "http://localhost:8080"};
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  for (const char* bad : {"auth.example.com", "https://auth.example.com/", "*"}) {
    config.http_public_origins = {bad};
    const absl::Status status = ValidateServerConfig(config);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(std::string(status.message()), HasSubstr("--http_public_origins")) << bad;
  }
}

TEST(ServerConfigTest, RefusesHttpConnectionBoundsBelowOneAndNoHeaderTimeout) {
  ServerConfig config = Defaults();
  config.http_max_connections_per_address = 0;
  EXPECT_THAT(ValidateServerConfig(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = Defaults();
  config.http_max_connections = 0;
  EXPECT_THAT(ValidateServerConfig(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = Defaults();
  config.http_header_timeout = absl::ZeroDuration();
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--http_header_timeout"));
}

// The HTTP front asks no client certificate: with mTLS on for gRPC it would be the way around it.
TEST(ServerConfigTest, RefusesAnHttpFrontThatWouldBypassMutualTls) {
  ServerConfig config = Defaults();
  config.tls_cert = "cert.pem";
  config.tls_key = "key.pem";
  config.tls_client_ca = "ca.pem";
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  config.http_listen = "127.0.0.1:8080";
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--tls_client_ca"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--http_allow_without_client_cert"));
  config.http_allow_without_client_cert = true;
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
}

TEST(ServerConfigTest, RefusesAPlaintextHttpFrontOffLoopback) {
  ServerConfig config = Defaults();
  for (const char* loopback :
       {"127.0.0.1:8080", "127.1.2.3:0", "[::1]:8080", "[::ffff:127.0.0.1]:80"}) {
    config.http_listen = loopback;
    EXPECT_THAT(ValidateServerConfig(config), IsOk()) << loopback;
  }
  for (const char* exposed : {"0.0.0.0:8080", "192.0.2.10:80", "[::]:8080", "[2001:db8::1]:80"}) {
    config.http_listen = exposed;
    const absl::Status status = ValidateServerConfig(config);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << exposed;
    EXPECT_THAT(std::string(status.message()), HasSubstr("--http_tls_cert")) << exposed;
    EXPECT_THAT(std::string(status.message()), HasSubstr("--http_allow_plaintext")) << exposed;
  }
  config.http_listen = "0.0.0.0:8080";
  config.http_allow_plaintext = true;
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
  config.http_allow_plaintext = false;
  config.http_tls_cert = "cert.pem";
  config.http_tls_key = "key.pem";
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
}

}  // namespace
}  // namespace auth::service
