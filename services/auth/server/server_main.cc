// auth_server: serves auth.v1.AuthService over gRPC.
//
//   AUTH_MYSQL_PASSWORD=... bazel run //services/auth:auth_server --
//       --mysql_endpoint=unix:///tmp/auth-db/mysqld.sock --token_signing_key=jwt.pem
//
// Start-up: connect to MySQL (exit at once with advice if it is not reachable), apply schema
// migrations, load or generate the JWT signing key, then serve AuthService, the standard gRPC
// health service (NOT_SERVING while the database is unreachable) and server reflection.
// SIGTERM/SIGINT: health NOT_SERVING, keep serving for --shutdown_drain_delay, stop accepting,
// let in-flight calls finish within --shutdown_grace, drain the executors, exit 0.
// SIGHUP: read the JWT key files again (a new signing key is published at once and signs after
// --token_key_publish_delay; kids in --token_revoked_keys_file are dropped at once); a bad file
// is logged and the keys in force stay.
// tools/run_local.sh does all of this against a private MariaDB with one command.
//
// main() only turns the flags into a ServerConfig (server_config.h) and runs the AuthServer it
// describes (auth_server.h); the flags are defined in server_config.cc.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "libs/logging/glog_flags.h"
#include "libs/version/version.h"
#include "services/auth/server/auth_server.h"
#include "services/auth/server/server_config.h"

namespace {

[[noreturn]] void Die(const absl::Status& status) {
  LOG(ERROR) << status;
  std::cerr << "auth_server: " << status.message() << "\n";
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Serves auth.v1.AuthService. See README.md for a walkthrough.");
  auth::version::InstallVersionFlag(argv[0]);
  absl::ParseCommandLine(argc, argv);
  auth::logging::InitLogging(argv[0]);
  // gRPC takes absl::Mutex locks on every call; the deadlock detector's bookkeeping cost ~1% of
  // the server's CPU in profiles, and our own code uses std::mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the signals we handle in every thread; this one waits for them below.
  sigset_t handled_signals;
  sigemptyset(&handled_signals);
  sigaddset(&handled_signals, SIGINT);
  sigaddset(&handled_signals, SIGTERM);
  sigaddset(&handled_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);

  absl::StatusOr<auth::service::ServerConfig> config = auth::service::ServerConfigFromFlags();
  if (!config.ok()) Die(config.status());
  absl::StatusOr<std::unique_ptr<auth::service::AuthServer>> server =
      auth::service::AuthServer::Create(*config);
  if (!server.ok()) Die(server.status());
  if (absl::Status started = (*server)->Start(); !started.ok()) Die(started);
  // Tests and scripts read this line to learn the port (e.g. with --listen=127.0.0.1:0).
  LOG(INFO) << "auth_server listening on port " << (*server)->port();
  std::cout << "auth_server listening on port " << (*server)->port() << std::endl;
  if (const int http_port = (*server)->http_port(); http_port != 0) {
    LOG(INFO) << "auth_server http on port " << http_port;
    std::cout << "auth_server http on port " << http_port << std::endl;
  }
  if (const int metrics_port = (*server)->metrics_port(); metrics_port != 0) {
    LOG(INFO) << "auth_server metrics on port " << metrics_port;
    std::cout << "auth_server metrics on port " << metrics_port << std::endl;
  }

  int signal_number = 0;
  while (sigwait(&handled_signals, &signal_number) == 0 && signal_number == SIGHUP) {
    if (absl::Status reloaded = (*server)->ReloadKeys(); !reloaded.ok()) {
      LOG(ERROR) << "SIGHUP: " << reloaded.message();
    }
  }
  LOG(INFO) << "signal " << signal_number << ": shutting down";
  (*server)->Shutdown();
  LOG(INFO) << "auth_server stopped";
  return 0;
}
