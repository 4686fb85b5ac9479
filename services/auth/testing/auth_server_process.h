// AuthServerProcess: the real auth_server binary, run as a child process of a test.
//
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerProcess> server,
//                        AuthServerProcess::Start(backend->Flags()));
//   std::unique_ptr<auth::v1::AuthService::Stub> stub = server->NewStub();
//   ...
//   ASSERT_THAT(server->Pause(), IsOk());    // SIGSTOP: a server that hangs
//   ASSERT_THAT(server->Resume(), IsOk());   // SIGCONT
//   ASSERT_OK_AND_ASSIGN(ExitStatus crashed, server->Kill());  // SIGKILL: a crash
//
// The server listens on a free loopback port (--listen=127.0.0.1:0, unless the flags name
// another --listen, such as "--listen=[::1]:0" for IPv6) and prints
// "auth_server listening on port N" on stdout; Start() waits for that line, so a started
// server serves. With a non-empty --http_listen (e.g. "--http_listen=127.0.0.1:0") it also
// waits for "auth_server http on port N": http_port() is then the HTTP front's port. Its log
// (stderr) goes to the test log. A test that uses this library gets the binary and jwt_keygen
// in its runfiles through it.
#ifndef SERVICES_AUTH_TESTING_AUTH_SERVER_PROCESS_H_
#define SERVICES_AUTH_TESTING_AUTH_SERVER_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/testing/subprocess.h"

namespace auth::service_testing {

using ::auth::test_util::ExitStatus;
using ::auth::test_util::Subprocess;

// Flags that make password hashing cheap (1 MiB, one pass): tests that do not measure the
// hashing cost stay fast.
std::vector<std::string> CheapHashingFlags();

// Writes a new Ed25519 signing key (PEM) to `private_key_path` and its public half to
// `public_key_path`, with //libs/token:jwt_keygen.
absl::Status GenerateSigningKey(const std::string& private_key_path,
                                const std::string& public_key_path);

class AuthServerProcess {
 public:
  // Starts auth_server with `flags` (plus --listen=127.0.0.1:0 unless they name a --listen)
  // and waits up to `timeout` for it to listen. Fails if it exits or stays silent instead.
  static absl::StatusOr<std::unique_ptr<AuthServerProcess>> Start(
      std::vector<std::string> flags, absl::Duration timeout = absl::Seconds(60));

  // Starts auth_server with `flags` (and a --listen as above) without waiting for it: for
  // tests of a server that must refuse to start.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Launch(std::vector<std::string> flags);

  // Kills the server (SIGKILL) if it still runs.
  ~AuthServerProcess() = default;

  int port() const { return port_; }
  // The HTTP front's port; 0 unless the flags had a non-empty --http_listen.
  int http_port() const { return http_port_; }
  // "<host>:<port>", the host of --listen: "127.0.0.1:<port>" by default, "[::1]:<port>" with
  // --listen=[::1]:0.
  std::string address() const;
  // A stub on a new channel to the server.
  std::unique_ptr<auth::v1::AuthService::Stub> NewStub() const;

  // Waits for the server's "<what> on port N" line after the ones read so far (e.g.
  // "metrics", printed after the gRPC port with --metrics_listen) and returns N.
  absl::StatusOr<int> WaitForPort(absl::string_view what,
                                  absl::Duration timeout = absl::Seconds(30));

  // SIGTERM: a graceful shutdown (drains calls), then SIGKILL if it takes over `grace`.
  absl::StatusOr<ExitStatus> Stop(absl::Duration grace = absl::Seconds(20));
  // SIGKILL: a crash, no shutdown hook runs; reaps the process.
  absl::StatusOr<ExitStatus> Kill();
  // SIGSTOP / SIGCONT: a server that hangs (connections stay open, nothing is answered).
  absl::Status Pause();
  absl::Status Resume();
  // Whether the server has not exited (a paused server runs).
  bool Running();

  // The child process itself, for what the methods above do not cover.
  Subprocess& process() { return *process_; }

 private:
  AuthServerProcess(std::unique_ptr<Subprocess> process, std::string host, int port)
      : process_(std::move(process)), host_(std::move(host)), port_(port) {}

  std::unique_ptr<Subprocess> process_;
  std::string host_;
  int port_;
  int http_port_ = 0;
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_TESTING_AUTH_SERVER_PROCESS_H_
