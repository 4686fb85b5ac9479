// auth_server: serves auth.v1.AuthService over gRPC.
//
//   AUTH_MYSQL_PASSWORD=... bazel run //services/auth:auth_server --
//       --mysql_endpoint=unix:///tmp/auth-db/mysqld.sock --token_signing_key=jwt.pem
//
// Start-up: connect to MySQL (exit at once with advice if it is not reachable), apply schema
// migrations, load or generate the JWT signing key, then serve AuthService, the standard gRPC
// health service and server reflection. SIGTERM/SIGINT: stop accepting, let in-flight calls
// finish within --shutdown_grace, drain the executors, exit 0.
// tools/run_local.sh does all of this against a private MariaDB with one command.

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "libs/executor/bounded_executor.h"
#include "libs/hashing/argon2_password_hasher.h"
#include "libs/metrics/metrics_exposer.h"
#include "libs/metrics/prometheus_auth_metrics.h"
#include "libs/mysql/connection_pool.h"
#include "libs/repository/mysql/migrations.h"
#include "libs/repository/mysql/mysql_attempt_limiter.h"
#include "libs/repository/mysql/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/mysql_session_repository.h"
#include "libs/repository/mysql/mysql_user_repository.h"
#include "libs/token/caching_token_verifier.h"
#include "libs/token/jwt.h"
#include "libs/token/key_set.h"
#include "services/auth/abuse_limits.h"
#include "services/auth/auth_service.h"

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
ABSL_FLAG(int, mysql_pool_size, 16,
          "MySQL connections; also the database executor's workers.");
ABSL_FLAG(int, max_database_batch, 64,
          "Most queued ValidateToken (or Logout) calls answered by one query (or transaction).");
ABSL_FLAG(int, database_batches_in_flight, 2,
          "Most ValidateToken (or Logout) batches queued or running at once; 0: one per "
          "database worker.");
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
ABSL_FLAG(absl::Duration, refresh_reuse_grace, absl::ZeroDuration(),
          "A rotated refresh token presented again within this time is refused without "
          "revoking its family (tolerates a client retrying a lost response); 0 = never.");
ABSL_FLAG(std::string, token_signing_key, "",
          "Ed25519 private key PEM (make one with //libs/token:jwt_keygen). Empty: a fresh "
          "ephemeral key, for local development only: tokens die with the process.");
ABSL_FLAG(std::string, token_key_id, "primary", "kid of --token_signing_key.");
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
          "Failed logins an account may have within --login_failure_window before further "
          "attempts are refused (RESOURCE_EXHAUSTED, retry-after); a success resets it. 0 = off.");
ABSL_FLAG(int64_t, login_failures_per_address, 50,
          "Failed logins (including unknown accounts) one client address may have within "
          "--login_failure_window; IPv6 counts per /64. 0 = off.");
ABSL_FLAG(absl::Duration, login_failure_window, absl::Minutes(15),
          "The window of the login limits; it starts with a key's first counted attempt.");
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
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, how long in-flight calls may take to finish.");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain; with --tls_key enables TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; when set, clients must present a certificate it signed (mTLS).");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on (GET /metrics, plain HTTP, no auth: keep it "
          "on loopback or a private network); port 0 picks one. Empty: no metrics.");

namespace {

// Requests are a few short fields (the largest, password_hash, is at most 1 KiB), so anything
// bigger is refused by gRPC before it reaches a handler.
constexpr int kMaxReceiveMessageBytes = 8 * 1024;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::StatusOr<std::string> MysqlPassword() {
  const std::string file = absl::GetFlag(FLAGS_mysql_password_file);
  if (!file.empty()) {
    absl::StatusOr<std::string> password = ReadFile(file);
    if (!password.ok()) return password.status();
    return std::string(absl::StripTrailingAsciiWhitespace(*password));
  }
  const char* env = std::getenv("AUTH_MYSQL_PASSWORD");
  return std::string(env == nullptr ? "" : env);
}

absl::StatusOr<auth::token::KeySet> LoadKeys() {
  const std::string signing_key = absl::GetFlag(FLAGS_token_signing_key);
  if (signing_key.empty()) return auth::token::KeySet::GenerateEphemeral();
  std::map<std::string, std::string> verify_only;
  for (const std::string& entry : absl::GetFlag(FLAGS_token_verify_keys)) {
    std::vector<std::string> kid_path = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (kid_path.size() != 2 || kid_path[0].empty() || kid_path[1].empty()) {
      return absl::InvalidArgumentError("--token_verify_keys: expected kid=path, got " + entry);
    }
    verify_only[kid_path[0]] = kid_path[1];
  }
  return auth::token::KeySet::FromFiles(signing_key, absl::GetFlag(FLAGS_token_key_id),
                                        verify_only);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials() {
  const std::string cert = absl::GetFlag(FLAGS_tls_cert);
  const std::string key = absl::GetFlag(FLAGS_tls_key);
  if (cert.empty() && key.empty()) return grpc::InsecureServerCredentials();
  if (cert.empty() || key.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  grpc::SslServerCredentialsOptions options;
  absl::StatusOr<std::string> cert_pem = ReadFile(cert);
  absl::StatusOr<std::string> key_pem = ReadFile(key);
  if (!cert_pem.ok()) return cert_pem.status();
  if (!key_pem.ok()) return key_pem.status();
  options.pem_key_cert_pairs.push_back({*key_pem, *cert_pem});
  const std::string client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  if (!client_ca.empty()) {
    absl::StatusOr<std::string> ca_pem = ReadFile(client_ca);
    if (!ca_pem.ok()) return ca_pem.status();
    options.pem_root_certs = *ca_pem;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

[[noreturn]] void Die(absl::string_view what, const absl::Status& status) {
  LOG(ERROR) << what << ": " << status;
  std::cerr << "auth_server: " << what << ": " << status.message() << "\n";
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Serves auth.v1.AuthService. See README.md for a walkthrough.");
  absl::ParseCommandLine(argc, argv);
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  // gRPC takes absl::Mutex locks on every call; the deadlock detector's bookkeeping cost ~1% of
  // the server's CPU in profiles, and our own code uses std::mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the stop signals in every thread; one thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::string> mysql_password = MysqlPassword();
  if (!mysql_password.ok()) Die("MySQL password", mysql_password.status());
  auth::mysql::ConnectionPoolOptions pool_options;
  pool_options.endpoint = absl::GetFlag(FLAGS_mysql_endpoint);
  pool_options.user = absl::GetFlag(FLAGS_mysql_user);
  pool_options.password = *mysql_password;
  pool_options.database = absl::GetFlag(FLAGS_mysql_database);
  pool_options.size = absl::GetFlag(FLAGS_mysql_pool_size);
  pool_options.wsrep_sync_wait = absl::GetFlag(FLAGS_mysql_wsrep_sync_wait);
  pool_options.connect_timeout = absl::GetFlag(FLAGS_mysql_connect_timeout);
  pool_options.read_timeout = absl::GetFlag(FLAGS_mysql_io_timeout);
  pool_options.write_timeout = absl::GetFlag(FLAGS_mysql_io_timeout);
  if (pool_options.connect_timeout <= absl::ZeroDuration() ||
      pool_options.read_timeout <= absl::ZeroDuration()) {
    Die("MySQL timeouts", absl::InvalidArgumentError(
                              "--mysql_connect_timeout and --mysql_io_timeout must be positive"));
  }
  auth::mysql::ConnectionPool pool(pool_options);
  if (absl::Status migrated = auth::repository::mysql::ApplyMigrations(pool); !migrated.ok()) {
    Die("cannot prepare the database at " + pool_options.endpoint +
            " (is MySQL/MariaDB running there? tools/run_local.sh starts a private one)",
        migrated);
  }

  auth::hashing::Argon2Params argon2;
  argon2.memory_kib = absl::GetFlag(FLAGS_argon2_memory_kib);
  argon2.iterations = absl::GetFlag(FLAGS_argon2_iterations);
  argon2.parallelism = absl::GetFlag(FLAGS_argon2_parallelism);
  auto hasher = auth::hashing::Argon2PasswordHasher::Create(argon2);
  if (!hasher.ok()) Die("Argon2 parameters", hasher.status());

  absl::StatusOr<auth::token::KeySet> keys = LoadKeys();
  if (!keys.ok()) Die("JWT keys", keys.status());
  auth::token::JwtOptions issuer_options;
  issuer_options.issuer = absl::GetFlag(FLAGS_token_issuer);
  issuer_options.audience = absl::GetFlag(FLAGS_token_audience);
  issuer_options.lifetime = absl::GetFlag(FLAGS_token_lifetime);
  auth::token::JwtIssuer issuer(*keys, issuer_options);
  auth::token::JwtVerifierOptions verifier_options;
  verifier_options.issuer = absl::GetFlag(FLAGS_token_issuer);
  verifier_options.audience = absl::GetFlag(FLAGS_token_audience);
  auth::token::JwtVerifier signature_verifier(*keys, verifier_options);
  // The keys are fixed for the life of the process, so a remembered verdict stays true until
  // the token expires; the session row is still read for every check.
  auth::token::CachingTokenVerifier verifier(
      signature_verifier,
      static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_verified_token_cache_entries))));

  auth::repository::mysql::MysqlSessionRepository sessions(pool);
  // With several endpoints (Galera), the rows that replicas contend for (usernames and emails
  // being registered, attempt counters, refresh token rotation) are written through one node
  // chosen alike by every replica, so that node's locks serialise them rather than Galera's
  // certification between nodes; see CanonicalEndpointOrder(). Sessions (ValidateToken's
  // reads) stay on each replica's preferred node.
  std::unique_ptr<auth::mysql::ConnectionPool> contended_pool;
  if (auth::mysql::SplitEndpoints(pool_options.endpoint).size() > 1) {
    auth::mysql::ConnectionPoolOptions contended_options = pool_options;
    contended_options.endpoint = auth::mysql::CanonicalEndpointOrder(pool_options.endpoint);
    contended_pool = std::make_unique<auth::mysql::ConnectionPool>(contended_options);
  }
  auth::mysql::ConnectionPool& contended = contended_pool ? *contended_pool : pool;
  auth::repository::mysql::MysqlUserRepository users(contended);
  auth::repository::mysql::MysqlRefreshTokenRepository refresh_tokens(contended);
  auth::repository::mysql::MysqlAttemptLimiter attempts(contended);
  int hashing_workers = absl::GetFlag(FLAGS_hashing_workers);
  if (hashing_workers <= 0) hashing_workers = std::max(1u, std::thread::hardware_concurrency());
  auth::executor::BoundedExecutor hashing_executor(
      {"hashing", hashing_workers, static_cast<size_t>(absl::GetFlag(FLAGS_hashing_queue))});
  auth::executor::BoundedExecutor database_executor(
      {"database", pool_options.size, static_cast<size_t>(absl::GetFlag(FLAGS_database_queue))});

  // Metrics are served on their own port (plain HTTP for Prometheus, apart from gRPC's TLS).
  // Declared after what the scrape hook reads, so they are destroyed first.
  std::unique_ptr<auth::metrics::PrometheusAuthMetrics> metrics;
  std::unique_ptr<auth::metrics::MetricsExposer> metrics_exposer;
  if (const std::string listen = absl::GetFlag(FLAGS_metrics_listen); !listen.empty()) {
    metrics = std::make_unique<auth::metrics::PrometheusAuthMetrics>();
    // Gauges that are read rather than recorded: sampled when Prometheus scrapes.
    metrics->AddScrapeHook([sink = metrics.get(), &hashing_executor, &pool] {
      sink->SetHashingQueueDepth(static_cast<int64_t>(hashing_executor.queued()));
      const auth::mysql::ConnectionPoolStats stats = pool.Stats();
      sink->SetDbPoolStats({stats.open, stats.in_use, stats.waiting, stats.errors});
    });
    absl::StatusOr<std::unique_ptr<auth::metrics::MetricsExposer>> exposer =
        auth::metrics::MetricsExposer::Start(listen, *metrics);
    if (!exposer.ok()) Die("--metrics_listen", exposer.status());
    metrics_exposer = *std::move(exposer);
  }

  auth::service::AuthServiceOptions service_options;
  service_options.max_call_duration = absl::GetFlag(FLAGS_max_call_duration);
  service_options.refresh_token_lifetime = absl::GetFlag(FLAGS_refresh_token_lifetime);
  service_options.refresh_reuse_grace = absl::GetFlag(FLAGS_refresh_reuse_grace);
  if (service_options.refresh_token_lifetime <= absl::ZeroDuration() ||
      service_options.refresh_reuse_grace < absl::ZeroDuration()) {
    Die("refresh token flags", absl::InvalidArgumentError(
                                   "--refresh_token_lifetime must be positive and "
                                   "--refresh_reuse_grace not negative"));
  }
  service_options.abuse_limits.login_failures_per_account =
      absl::GetFlag(FLAGS_login_failures_per_account);
  service_options.abuse_limits.login_failures_per_address =
      absl::GetFlag(FLAGS_login_failures_per_address);
  service_options.abuse_limits.login_window = absl::GetFlag(FLAGS_login_failure_window);
  service_options.abuse_limits.registrations_per_address =
      absl::GetFlag(FLAGS_registrations_per_address);
  service_options.abuse_limits.register_window = absl::GetFlag(FLAGS_registration_window);
  if (absl::Status valid = auth::service::ValidateAbuseLimits(service_options.abuse_limits);
      !valid.ok()) {
    Die("abuse limit flags", valid);
  }
  // The keys never change while the server runs: the document is built once.
  service_options.jwks_json = keys->ToJwks();
  service_options.max_database_batch = absl::GetFlag(FLAGS_max_database_batch);
  service_options.database_batches_in_flight = absl::GetFlag(FLAGS_database_batches_in_flight);
  auth::service::AuthServiceImpl service(
      {.users = &users,
       .sessions = &sessions,
       .refresh_tokens = &refresh_tokens,
       .hasher = hasher->get(),
       .issuer = &issuer,
       .verifier = &verifier,
       .hashing_executor = &hashing_executor,
       .database_executor = &database_executor,
       .attempts = &attempts,
       .metrics = metrics.get(),  // null without --metrics_listen: records nothing
       .issued_tokens = &verifier},
      service_options);

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = ServerCredentials();
  if (!credentials.ok()) Die("TLS", credentials.status());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), *credentials, &port);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    Die("cannot listen on " + absl::GetFlag(FLAGS_listen),
        absl::UnavailableError("address in use or invalid"));
  }
  // Tests and scripts read this line to learn the port (e.g. with --listen=127.0.0.1:0).
  LOG(INFO) << "auth_server listening on port " << port;
  std::cout << "auth_server listening on port " << port << std::endl;
  if (metrics_exposer != nullptr) {
    LOG(INFO) << "auth_server metrics on port " << metrics_exposer->port();
    std::cout << "auth_server metrics on port " << metrics_exposer->port() << std::endl;
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  LOG(INFO) << "signal " << signal_number << ": shutting down";
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoSeconds(absl::GetFlag(FLAGS_shutdown_grace)));
  hashing_executor.Shutdown();
  database_executor.Shutdown();
  LOG(INFO) << "auth_server stopped";
  return 0;
}
