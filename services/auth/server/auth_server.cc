// AuthServer: builds the server's object graph from a ServerConfig; see auth_server.h.
#include "services/auth/server/auth_server.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/account.grpc.pb.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "glog/logging.h"
#include "google/protobuf/descriptor.h"
#include "grpc/impl/codegen/grpc_types.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "libs/audit/file_audit_log.h"
#include "libs/executor/bounded_executor.h"
#include "libs/hashing/argon2_password_hasher.h"
#include "libs/metrics/metrics_exposer.h"
#include "libs/metrics/prometheus_auth_metrics.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/mysql/attempts/mysql_attempt_limiter.h"
#include "libs/repository/mysql/maintenance/expired_row_sweeper.h"
#include "libs/repository/mysql/schema/migrations.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/mysql_session_repository.h"
#include "libs/repository/mysql/tokens/mysql_account_token_repository.h"
#include "libs/repository/mysql/users/mysql_user_repository.h"
#include "libs/token/caching_token_verifier.h"
#include "libs/token/jwt.h"
#include "libs/token/key_set.h"
#include "libs/token/remembering_token_issuer.h"
#include "libs/token/rotating_key_set.h"
#include "services/auth/abuse/device_cookie.h"
#include "services/auth/auth_service.h"
#include "services/auth/http/http_front.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/server/credential_parts.h"
#include "services/auth/server/database_health.h"
#include "services/auth/server/mail_delivery.h"
#include "services/auth/server/server_keys.h"

namespace auth::service {
namespace {

// Requests are a few short fields (the largest, password_hash, is at most 1 KiB), so anything
// bigger is refused by gRPC before it reaches a handler.
constexpr int kMaxReceiveMessageBytes = 8 * 1024;

}  // namespace

// Declared in construction order, so destroyed in reverse: the service before the executors
// and repositories it uses, the metrics exposer before what its scrape hook reads.
struct AuthServer::Parts {
  ServerConfig config;
  std::unique_ptr<mysql::ConnectionPool> pool;
  // With several endpoints (Galera), the rows that replicas contend for (see Create()).
  std::unique_ptr<mysql::ConnectionPool> contended_pool;
  // One connection of its own for the health probes, so that a server whose pool is busy
  // serving calls is not taken for one whose database is down.
  std::unique_ptr<mysql::ConnectionPool> health_pool;
  // One connection of its own for the sweeper (it holds the sweeper's lock while it runs); on
  // Galera in the contended order, so that every replica's sweeper asks the same node for the
  // node-local lock (expired_row_sweeper.h).
  std::unique_ptr<mysql::ConnectionPool> sweeper_pool;
  std::unique_ptr<mysql_repository::ExpiredRowSweeper> sweeper;  // null with sweep_period 0
  std::unique_ptr<hashing::Argon2PasswordHasher> hasher;
  std::shared_ptr<token::RotatingKeySet> keys;  // reloaded by ReloadKeys()
  std::unique_ptr<token::JwtIssuer> jwt_issuer;
  std::unique_ptr<token::JwtVerifier> signature_verifier;
  std::unique_ptr<token::CachingTokenVerifier> verifier;
  std::unique_ptr<token::RememberingTokenIssuer> issuer;
  std::unique_ptr<token::JwtIssuer> device_issuer;
  std::unique_ptr<token::JwtVerifier> device_verifier;
  std::unique_ptr<mysql_repository::MysqlSessionRepository> sessions;
  std::unique_ptr<mysql_repository::MysqlUserRepository> users;
  std::unique_ptr<mysql_repository::MysqlRefreshTokenRepository> refresh_tokens;
  std::unique_ptr<mysql_repository::MysqlAttemptLimiter> attempts;
  std::unique_ptr<mysql_repository::MysqlAccountTokenRepository> account_tokens;
  CredentialParts factors;  // the TOTP sealer, the second-factor and passkey repositories
  std::unique_ptr<MailDelivery> mail;                         // null without --smtp_url
  std::unique_ptr<mysql_repository::MysqlMailOutbox> outbox;  // the handlers'; as `mail`
  std::unique_ptr<executor::BoundedExecutor> hashing_executor;
  std::unique_ptr<executor::BoundedExecutor> database_executor;
  std::unique_ptr<metrics::PrometheusAuthMetrics> metrics;
  std::unique_ptr<metrics::MetricsExposer> metrics_exposer;
  std::unique_ptr<audit::FileAuditLog> audit_log;  // null with an empty --audit_log
  std::unique_ptr<AuthServiceImpl> service;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // Started with the gRPC server (it reports to its health service).
  std::unique_ptr<DatabaseHealthMonitor> health_monitor;
  // The gRPC health status, mirrored for the HTTP front's /healthz.
  std::atomic<bool> serving{false};
  // The HTTP front's TLS pair, read by Create() (so a bad path fails there); empty: plain HTTP.
  std::string http_tls_cert_pem;
  std::string http_tls_key_pem;
  // Started after the gRPC server (it calls the service over its in-process channel); null
  // without --http_listen.
  std::unique_ptr<http::HttpFront> http_front;
};

absl::StatusOr<std::unique_ptr<AuthServer>> AuthServer::Create(const ServerConfig& config) {
  if (absl::Status valid = ValidateServerConfig(config); !valid.ok()) return valid;
  SetTrustedProxies(*TrustedProxies::Parse(config.trusted_proxies));  // validated just above
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  Parts& p = *parts;

  // First: a log that cannot be written is a configuration error, found before any other work.
  if (!config.audit_log.empty()) {
    absl::StatusOr<std::unique_ptr<audit::FileAuditLog>> audit_log =
        audit::FileAuditLog::Open(config.audit_log);
    if (!audit_log.ok()) return WithWhat("--audit_log", audit_log.status());
    p.audit_log = *std::move(audit_log);
  }

  p.pool = std::make_unique<mysql::ConnectionPool>(config.database);
  if (absl::Status migrated = mysql_repository::ApplyMigrations(*p.pool); !migrated.ok()) {
    return WithWhat(
        "cannot prepare the database at " + config.database.endpoint +
            " (is MySQL/MariaDB running there? tools/run_local.sh starts a private one)",
        migrated);
  }

  auto hasher = hashing::Argon2PasswordHasher::Create(config.argon2);
  if (!hasher.ok()) return WithWhat("Argon2 parameters", hasher.status());
  p.hasher = *std::move(hasher);

  absl::StatusOr<token::KeySet> keys = LoadKeys(config);
  if (!keys.ok()) return WithWhat("JWT keys", keys.status());
  token::JwtVerifierOptions verifier_options;
  verifier_options.issuer = config.token_issuer;
  verifier_options.audience = config.token_audience;
  token::RotatingKeySetOptions rotation;
  rotation.publish_delay = config.token_key_publish_delay;
  // A replaced key's last tokens expire token_lifetime after it stopped signing, and verifiers
  // accept them for the leeway beyond.
  rotation.retired_key_lifetime = config.token_lifetime + verifier_options.leeway;
  p.keys = std::make_shared<token::RotatingKeySet>(*keys, rotation);  // then less revoked kids
  const absl::Status installed = InstallKeys(config, *std::move(keys), *p.keys);
  if (!installed.ok()) return WithWhat("JWT keys", installed);
  token::JwtOptions issuer_options;
  issuer_options.issuer = config.token_issuer;
  issuer_options.audience = config.token_audience;
  issuer_options.lifetime = config.token_lifetime;
  p.jwt_issuer = std::make_unique<token::JwtIssuer>(p.keys, issuer_options);
  p.signature_verifier = std::make_unique<token::JwtVerifier>(p.keys, verifier_options);
  // A remembered verdict stays true until the token expires (the session row is still read for
  // every check): keys only leave the set by a reload, which empties the cache (ReloadKeys()),
  // or once every token they signed has expired.
  p.verifier = std::make_unique<token::CachingTokenVerifier>(*p.signature_verifier,
                                                             config.verified_token_cache_entries);
  // Tokens this process signs are remembered at once: their first check skips the signature.
  p.issuer = std::make_unique<token::RememberingTokenIssuer>(*p.jwt_issuer, *p.verifier);
  // Device cookies (abuse/device_cookie.h, which says why): the same keys, their own audience.
  token::JwtOptions device_options = issuer_options;
  device_options.audience = DeviceCookieAudience(config.token_audience);
  device_options.lifetime = kDeviceCookieLifetime;
  token::JwtVerifierOptions device_verifier_options = verifier_options;
  device_verifier_options.audience = device_options.audience;
  p.device_issuer = std::make_unique<token::JwtIssuer>(p.keys, device_options);
  p.device_verifier = std::make_unique<token::JwtVerifier>(p.keys, device_verifier_options);

  p.sessions = std::make_unique<mysql_repository::MysqlSessionRepository>(*p.pool);
  // With several endpoints (Galera), the rows that replicas contend for (usernames and emails
  // being registered, attempt counters, refresh token rotation) are written through one node
  // chosen alike by every replica, so that node's locks serialise them rather than Galera's
  // certification between nodes; see CanonicalEndpointOrder(). Sessions (ValidateToken's
  // reads) stay on each replica's preferred node.
  if (mysql::SplitEndpoints(config.database.endpoint).size() > 1) {
    mysql::ConnectionPoolOptions contended_options = config.database;
    contended_options.endpoint = mysql::CanonicalEndpointOrder(config.database.endpoint);
    p.contended_pool = std::make_unique<mysql::ConnectionPool>(contended_options);
  }
  mysql::ConnectionPoolOptions health_options = config.database;
  health_options.size = 1;
  p.health_pool = std::make_unique<mysql::ConnectionPool>(health_options);
  mysql::ConnectionPool& contended = p.contended_pool ? *p.contended_pool : *p.pool;
  if (config.sweep_period > absl::ZeroDuration()) {
    mysql::ConnectionPoolOptions sweeper_options = contended.options();
    sweeper_options.size = 1;
    p.sweeper_pool = std::make_unique<mysql::ConnectionPool>(sweeper_options);
    p.sweeper = std::make_unique<mysql_repository::ExpiredRowSweeper>(
        *p.sweeper_pool, mysql_repository::ExpiredRowSweeperOptions{});
  }
  p.users = std::make_unique<mysql_repository::MysqlUserRepository>(contended);
  p.refresh_tokens = std::make_unique<mysql_repository::MysqlRefreshTokenRepository>(contended);
  p.attempts = std::make_unique<mysql_repository::MysqlAttemptLimiter>(contended);
  p.account_tokens = std::make_unique<mysql_repository::MysqlAccountTokenRepository>(contended);
  if (!config.smtp.url.empty()) {
    absl::StatusOr<std::unique_ptr<MailDelivery>> mail =
        MailDelivery::Create(config, contended.options());
    if (!mail.ok()) return mail.status();
    p.mail = *std::move(mail);
    p.outbox = std::make_unique<mysql_repository::MysqlMailOutbox>(contended);
  }
  p.hashing_executor = std::make_unique<executor::BoundedExecutor>(
      executor::BoundedExecutor::Options{"hashing", config.hashing_workers, config.hashing_queue});
  p.database_executor = std::make_unique<executor::BoundedExecutor>(
      executor::BoundedExecutor::Options{"database", config.database.size, config.database_queue});

  // Metrics are served on their own port (plain HTTP for Prometheus, apart from gRPC's TLS).
  if (!config.metrics_listen.empty()) {
    p.metrics = std::make_unique<metrics::PrometheusAuthMetrics>();
    // Gauges that are read rather than recorded: sampled when Prometheus scrapes.
    p.metrics->AddScrapeHook(
        [sink = p.metrics.get(), hashing = p.hashing_executor.get(), pool = p.pool.get()] {
          sink->SetHashingQueueDepth(static_cast<int64_t>(hashing->queued()));
          const mysql::ConnectionPoolStats stats = pool->Stats();
          sink->SetDbPoolStats({stats.open, stats.in_use, stats.waiting, stats.errors});
        });
    absl::StatusOr<std::unique_ptr<metrics::MetricsExposer>> exposer =
        metrics::MetricsExposer::Start(config.metrics_listen, *p.metrics);
    if (!exposer.ok()) return WithWhat("--metrics_listen", exposer.status());
    p.metrics_exposer = *std::move(exposer);
  }

  AuthServiceOptions service_options = config.service;
  // Asked on every GetJwks: a reloaded key is published at once.
  service_options.jwks = [keys = p.keys] { return keys->Current()->ToJwks(); };
  if (p.mail != nullptr) {
    service_options.recovery.mail_queued = [mail = p.mail.get()] { mail->Wake(); };
  }
  AuthServiceDeps deps;
  deps.users = p.users.get();
  deps.sessions = p.sessions.get();
  deps.refresh_tokens = p.refresh_tokens.get();
  deps.account_tokens = p.account_tokens.get();
  deps.outbox = p.outbox.get();
  deps.hasher = p.hasher.get();
  deps.issuer = p.issuer.get();
  deps.verifier = p.verifier.get();
  deps.device_issuer = p.device_issuer.get();
  deps.device_verifier = p.device_verifier.get();
  deps.hashing_executor = p.hashing_executor.get();
  deps.database_executor = p.database_executor.get();
  deps.attempts = p.attempts.get();
  deps.metrics = p.metrics.get();      // null without metrics_listen: records nothing
  deps.audit_log = p.audit_log.get();  // null without audit_log: records nothing
  if (auto s = p.factors.Wire(config, contended, service_options, deps); !s.ok()) return s;
  p.service = std::make_unique<AuthServiceImpl>(deps, std::move(service_options));

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      GrpcServerCredentials(config);
  if (!credentials.ok()) {
    // The executors must be drained before the service goes (~AuthServiceImpl).
    p.hashing_executor->Shutdown();
    p.database_executor->Shutdown();
    return WithWhat("TLS", credentials.status());
  }
  p.credentials = *std::move(credentials);
  if (!config.http_tls_cert.empty()) {
    absl::StatusOr<std::string> cert_pem = ReadConfigFile(config.http_tls_cert);
    absl::StatusOr<std::string> key_pem = ReadConfigFile(config.http_tls_key);
    if (!cert_pem.ok() || !key_pem.ok()) {
      p.hashing_executor->Shutdown();
      p.database_executor->Shutdown();
      return WithWhat("HTTP TLS", cert_pem.ok() ? key_pem.status() : cert_pem.status());
    }
    p.http_tls_cert_pem = *std::move(cert_pem);
    p.http_tls_key_pem = *std::move(key_pem);
  }
  return std::unique_ptr<AuthServer>(new AuthServer(std::move(parts)));
}

AuthServer::AuthServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

AuthServer::~AuthServer() { Shutdown(); }

absl::Status AuthServer::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(parts_->config.listen, parts_->credentials, &port_);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  if (const ServerConfig& c = parts_->config; c.max_connection_age > absl::ZeroDuration()) {
    // At most 24 days each (ValidateServerConfig): the milliseconds fit gRPC's int.
    const auto ms = [](absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); };
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, ms(c.max_connection_age));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               ms(c.max_connection_age_grace));
  }
  builder.RegisterService(parts_->service.get());
  builder.RegisterService(parts_->service->account_service());
  builder.RegisterService(parts_->service->credential_service());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError("cannot listen on " + parts_->config.listen +
                                  ": address in use or invalid");
  }
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  // By name too (the default service knows only "" until told), for balancers that check the
  // service they route to; SetServingStatus(bool) then moves them all.
  health->SetServingStatus(auth::v1::AuthService::service_full_name(), true);
  health->SetServingStatus(auth::v1::AccountService::service_full_name(), true);
  health->SetServingStatus(auth::v1::CredentialService::service_full_name(), true);
  parts_->serving = true;
  parts_->health_monitor = std::make_unique<DatabaseHealthMonitor>(
      [pool = parts_->health_pool.get()] { return PingDatabase(*pool); },
      [health, serving_now = &parts_->serving, parts = parts_.get()](bool serving) {
        health->SetServingStatus(serving);
        *serving_now = serving;
        // The database went away or came back: a restart leaves every pooled connection
        // dead, and an autocommit write that fails on one is UNAVAILABLE, not retried (it may
        // have committed). So each is pinged before its next call.
        for (mysql::ConnectionPool* pool :
             {parts->pool.get(), parts->contended_pool.get(), parts->sweeper_pool.get()}) {
          if (pool != nullptr) pool->DistrustIdleConnections();
        }
      },
      parts_->config.health_check_period);
  parts_->health_monitor->Start();
  if (parts_->sweeper != nullptr) parts_->sweeper->Start(parts_->config.sweep_period);
  if (parts_->mail != nullptr) parts_->mail->Start();
  if (!parts_->config.http_listen.empty()) {
    http::HttpFrontOptions options = HttpFrontOptionsFromConfig(parts_->config);
    options.tls_cert_pem = parts_->http_tls_cert_pem;
    options.tls_key_pem = parts_->http_tls_key_pem;
    options.jwks = [keys = parts_->keys] { return keys->Current()->ToJwks(); };
    options.serving = [serving = &parts_->serving] { return serving->load(); };
    absl::StatusOr<std::unique_ptr<http::HttpFront>> front =
        http::HttpFront::Start(std::move(options), server_->InProcessChannel({}));
    if (!front.ok()) return WithWhat("--http_listen", front.status());
    parts_->http_front = *std::move(front);
  }
  return absl::OkStatus();
}

absl::Status AuthServer::ReloadKeys() {
  const ServerConfig& config = parts_->config;
  if (config.token_signing_key.empty()) {
    return absl::FailedPreconditionError(
        "JWT keys: nothing to reload, the signing key is ephemeral (no --token_signing_key)");
  }
  absl::StatusOr<token::KeySet> loaded = LoadKeys(config);
  if (!loaded.ok()) {
    return WithWhat("JWT keys: reload failed, keeping the keys in force", loaded.status());
  }
  if (absl::Status installed = InstallKeys(config, *std::move(loaded), *parts_->keys);
      !installed.ok()) {
    return WithWhat("JWT keys: reload refused, keeping the keys in force", installed);
  }
  // Verdicts remembered under keys the reload dropped must not outlive them.
  parts_->verifier->Clear();
  const std::optional<std::string> pending = parts_->keys->PendingKid();
  LOG(INFO) << "JWT keys reloaded: signing with " << parts_->keys->Current()->signing_key()->kid()
            << (pending.has_value() ? "; " + *pending + " published, signs after the delay" : "");
  return absl::OkStatus();
}

int AuthServer::http_port() const {
  return parts_->http_front == nullptr ? 0 : parts_->http_front->port();
}

int AuthServer::metrics_port() const {
  return parts_->metrics_exposer == nullptr ? 0 : parts_->metrics_exposer->port();
}

void AuthServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

void AuthServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) {
    // The monitor first, so that no probe can report SERVING again during the drain.
    parts_->health_monitor->Stop();
    server_->GetHealthCheckService()->SetServingStatus(false);
    parts_->serving = false;
    // Still accepting and serving: balancers that poll health see NOT_SERVING and move their
    // traffic away before the listener closes.
    if (parts_->config.shutdown_drain_delay > absl::ZeroDuration()) {
      LOG(INFO) << "health NOT_SERVING; draining for " << parts_->config.shutdown_drain_delay;
      absl::SleepFor(parts_->config.shutdown_drain_delay);
    }
    // The HTTP front's calls come back through the gRPC server: it stops taking connections,
    // the server finishes its calls in flight (answers still written), then it closes.
    if (parts_->http_front != nullptr) parts_->http_front->StopAccepting();
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoSeconds(parts_->config.shutdown_grace));
    parts_->http_front.reset();
  }
  if (parts_->sweeper != nullptr) parts_->sweeper->Stop();
  parts_->hashing_executor->Shutdown();
  parts_->database_executor->Shutdown();
  // After the executors: no handler queues a mail any more. A mail being sent finishes first.
  if (parts_->mail != nullptr) parts_->mail->Stop();
}
}  // namespace auth::service
