// auth_cli against the real auth_server requiring mTLS: with --client_cert/--client_key it gets
// in; without them the server refuses the handshake. Certificates from
// libs/testing:test_certificates (a CA of the test's own).
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/test_certificates.h"
#include "services/auth/testing/auth_server_backend.h"
#include "services/auth/testing/auth_server_process.h"

namespace auth::cli {
namespace {

using ::auth::service_testing::AuthServerBackend;
using ::auth::service_testing::AuthServerProcess;
using ::auth::test_util::ExitStatus;
using ::auth::test_util::IsOk;
using ::auth::test_util::MakeTestCa;
using ::auth::test_util::MakeTestCertificate;
using ::auth::test_util::Runfile;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::auth::test_util::TestTempPath;
using ::testing::HasSubstr;

struct CliRun {
  int code = -1;
  std::string output;  // stdout and stderr
};

// Runs `auth_cli jwks` against the server on `port` with `flags`. By address, which the test
// certificate names too (IP:127.0.0.1): a host name would go through gRPC's c-ares resolver,
// whose Debian build leaks a few bytes at exit that LeakSanitizer fails under --config=asan.
CliRun Jwks(int port, const std::vector<std::string>& flags) {
  static int runs = 0;
  const std::string output_path = TestTempPath(absl::StrCat("auth_cli-", ++runs, ".txt"));
  SubprocessOptions options;
  options.argv = {Runfile("tools/auth_cli/auth_cli"), "jwks",
                  absl::StrCat("--target=127.0.0.1:", port)};
  options.argv.insert(options.argv.end(), flags.begin(), flags.end());
  options.stdout_path = output_path;
  options.stderr_path = output_path;
  absl::StatusOr<ExitStatus> exit = Subprocess::Run(options, absl::Seconds(60));
  EXPECT_THAT(exit, IsOk());
  CliRun run;
  if (exit.ok()) run.code = exit->code;
  std::stringstream output;
  output << std::ifstream(output_path).rdbuf();
  run.output = output.str();
  return run;
}

TEST(AuthCliMtlsTest, PresentsItsClientCertificate) {
  ASSERT_THAT(MakeTestCa("ca"), IsOk());
  ASSERT_THAT(MakeTestCertificate("server", "auth", "ca"), IsOk());
  ASSERT_THAT(MakeTestCertificate("client", "auth_cli", "ca"), IsOk());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerBackend> backend, AuthServerBackend::Start());
  std::vector<std::string> flags = backend->Flags();
  flags.push_back("--tls_cert=" + TestTempPath("server.pem"));
  flags.push_back("--tls_key=" + TestTempPath("server.key"));
  flags.push_back("--tls_client_ca=" + TestTempPath("ca.pem"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerProcess> server, AuthServerProcess::Start(flags));

  const std::vector<std::string> tls = {"--tls", "--ca_cert=" + TestTempPath("ca.pem")};
  std::vector<std::string> mtls = tls;
  mtls.push_back("--client_cert=" + TestTempPath("client.pem"));
  mtls.push_back("--client_key=" + TestTempPath("client.key"));
  CliRun with_cert = Jwks(server->port(), mtls);
  EXPECT_EQ(with_cert.code, 0) << with_cert.output;
  EXPECT_THAT(with_cert.output, HasSubstr("\"kty\":\"OKP\"")) << with_cert.output;

  CliRun without_cert = Jwks(server->port(), tls);
  EXPECT_EQ(without_cert.code, 1) << without_cert.output;
  EXPECT_THAT(without_cert.output, HasSubstr("UNAVAILABLE")) << without_cert.output;

  CliRun half = Jwks(server->port(), {"--tls", "--client_cert=" + TestTempPath("client.pem")});
  EXPECT_EQ(half.code, 2) << half.output;
  EXPECT_THAT(half.output, HasSubstr("the client certificate and its key go together"));
}

}  // namespace
}  // namespace auth::cli
