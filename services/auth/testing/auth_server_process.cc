// AuthServerProcess; see auth_server_process.h.
#include "services/auth/testing/auth_server_process.h"

#include <signal.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "libs/testing/runfiles.h"

namespace auth::service_testing {
namespace {

using ::auth::test_util::Runfile;
using ::auth::test_util::SubprocessOptions;

// auth_server's argv: the binary, `flags`, and a free loopback port unless `flags` name one.
std::vector<std::string> Argv(std::vector<std::string> flags) {
  std::vector<std::string> argv = {Runfile("services/auth/auth_server")};
  bool has_listen = false;
  for (const std::string& flag : flags) has_listen |= absl::StartsWith(flag, "--listen=");
  if (!has_listen) argv.push_back("--listen=127.0.0.1:0");
  argv.insert(argv.end(), std::make_move_iterator(flags.begin()),
              std::make_move_iterator(flags.end()));
  return argv;
}

// The host the server's --listen flag names, as a channel address wants it ("127.0.0.1",
// "[::1]"): the flag's value without its port. Loopback IPv4 without the flag.
std::string ListenHost(const std::vector<std::string>& flags) {
  std::string host = "127.0.0.1";
  for (const std::string& flag : flags) {
    absl::string_view value = flag;
    if (!absl::ConsumePrefix(&value, "--listen=")) continue;
    const size_t colon = value.rfind(':');
    host = std::string(colon == absl::string_view::npos ? value : value.substr(0, colon));
  }
  return host;
}

// Whether `flags` turn the HTTP front on (a non-empty --http_listen).
bool HasHttpFront(const std::vector<std::string>& flags) {
  bool on = false;
  for (const std::string& flag : flags) {
    absl::string_view value = flag;
    if (absl::ConsumePrefix(&value, "--http_listen=")) on = !value.empty();
  }
  return on;
}

// The N of a "... on port N" line whose groups WaitForLine returned.
absl::StatusOr<int> Port(const absl::StatusOr<std::vector<std::string>>& groups) {
  if (!groups.ok()) return groups.status();
  int port = 0;
  if (groups->size() < 2 || !absl::SimpleAtoi((*groups)[1], &port)) {
    return absl::InternalError(absl::StrCat("no port in \"", groups->front(), "\""));
  }
  return port;
}

}  // namespace

std::vector<std::string> CheapHashingFlags() {
  return {"--argon2_memory_kib=1024", "--argon2_iterations=1"};
}

absl::Status GenerateSigningKey(const std::string& private_key_path,
                                const std::string& public_key_path) {
  SubprocessOptions options;
  options.argv = {Runfile("libs/token/jwt_keygen"), private_key_path, public_key_path};
  options.stdout_path = "/dev/null";
  absl::StatusOr<ExitStatus> status = Subprocess::Run(options, absl::Seconds(60));
  if (!status.ok()) return status.status();
  if (!status->ok()) {
    return absl::InternalError(absl::StrCat("jwt_keygen failed: ", status->ToString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AuthServerProcess>> AuthServerProcess::Start(
    std::vector<std::string> flags, absl::Duration timeout) {
  SubprocessOptions options;
  std::string host = ListenHost(flags);
  const bool http = HasHttpFront(flags);
  options.argv = Argv(std::move(flags));
  options.capture_stdout = true;
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(options);
  if (!process.ok()) return process.status();
  absl::StatusOr<int> port = Port((*process)->WaitForLine("listening on port ([0-9]+)", timeout));
  if (!port.ok()) {
    // Its reason to exit is in the test log (the server's stderr).
    return absl::UnavailableError(
        absl::StrCat("auth_server did not start: ", port.status().message()));
  }
  int http_port = 0;
  if (http) {
    // Printed right after the gRPC port, before the metrics port.
    absl::StatusOr<int> bound = Port((*process)->WaitForLine("http on port ([0-9]+)", timeout));
    if (!bound.ok()) {
      return absl::UnavailableError(
          absl::StrCat("auth_server's HTTP front did not start: ", bound.status().message()));
    }
    http_port = *bound;
  }
  auto server = std::unique_ptr<AuthServerProcess>(
      new AuthServerProcess(*std::move(process), std::move(host), *port));
  server->http_port_ = http_port;
  return server;
}

absl::StatusOr<std::unique_ptr<Subprocess>> AuthServerProcess::Launch(
    std::vector<std::string> flags) {
  SubprocessOptions options;
  options.argv = Argv(std::move(flags));
  return Subprocess::Start(options);
}

std::string AuthServerProcess::address() const { return absl::StrCat(host_, ":", port_); }

std::unique_ptr<auth::v1::AuthService::Stub> AuthServerProcess::NewStub() const {
  return auth::v1::AuthService::NewStub(
      grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
}

absl::StatusOr<int> AuthServerProcess::WaitForPort(absl::string_view what, absl::Duration timeout) {
  return Port(process_->WaitForLine(absl::StrCat(what, " on port ([0-9]+)"), timeout));
}

absl::StatusOr<ExitStatus> AuthServerProcess::Stop(absl::Duration grace) {
  return process_->Stop(grace);
}

absl::StatusOr<ExitStatus> AuthServerProcess::Kill() { return process_->Kill(); }

absl::Status AuthServerProcess::Pause() {
  // Every thread stopped before it returns: a call made in between would still be answered.
  return process_->Freeze();
}

absl::Status AuthServerProcess::Resume() { return process_->Signal(SIGCONT); }

bool AuthServerProcess::Running() { return process_->Running(); }

}  // namespace auth::service_testing
