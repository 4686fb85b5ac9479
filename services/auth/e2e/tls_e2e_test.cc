// TLS end to end: the real auth_server binary serving TLS and mTLS with certificates this test
// makes with the openssl CLI (a CA of its own), reached through libs/authn's
// ChannelCredentialsFor, and a certificate replaced on disk that is served without a restart.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/authn/channel_credentials.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "services/auth/e2e/e2e_fixture.h"

namespace auth::service::testing {
namespace {

using ::auth::testing::IsOk;
using ::auth::testing::SubprocessOptions;
using ::auth::testing::TestTempPath;

// Runs the openssl CLI with `args`; the test fails if it does.
void Openssl(std::vector<std::string> args) {
  SubprocessOptions options;
  options.argv = {"openssl"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  absl::StatusOr<ExitStatus> exit = Subprocess::Run(options, absl::Seconds(60));
  ASSERT_THAT(exit, IsOk());
  ASSERT_TRUE(exit->ok()) << "openssl " << args[0] << ": " << exit->ToString();
}

// A self-signed P-256 CA: <name>.pem, <name>.key.
void MakeCa(const std::string& name) {
  Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", TestTempPath(name + ".key"), "-out", TestTempPath(name + ".pem"), "-days",
           "1", "-subj", "/CN=" + name});
}

// A certificate for `common_name` (valid for localhost and 127.0.0.1) signed by CA `ca`:
// <name>.pem, <name>.key.
void MakeCert(const std::string& name, const std::string& common_name, const std::string& ca) {
  const std::string extensions = TestTempPath(name + ".ext");
  std::FILE* file = std::fopen(extensions.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("subjectAltName=DNS:localhost,IP:127.0.0.1\n", file);
  std::fclose(file);
  Openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", TestTempPath(name + ".key"), "-out", TestTempPath(name + ".csr"), "-subj",
           "/CN=" + common_name});
  Openssl({"x509", "-req", "-in", TestTempPath(name + ".csr"), "-CA", TestTempPath(ca + ".pem"),
           "-CAkey", TestTempPath(ca + ".key"), "-CAcreateserial", "-days", "1", "-extfile",
           extensions, "-out", TestTempPath(name + ".pem")});
}

class TlsE2eTest : public AuthServerE2eTest {
 protected:
  static void SetUpTestSuite() {
    AuthServerE2eTest::SetUpTestSuite();
    MakeCa("ca");
    MakeCa("other-ca");
    MakeCert("server", "first-server", "ca");
    MakeCert("renewed", "renewed-server", "ca");
    MakeCert("client", "greeter", "ca");
    MakeCert("stranger", "stranger", "other-ca");
  }

  // Each test starts its server with its own TLS flags.
  void SetUp() override {}

  void StartTlsServer(std::vector<std::string> flags) {
    flags.push_back("--tls_key=" + TestTempPath("server.key"));
    flags.push_back("--tls_cert=" + TestTempPath("server.pem"));
    StartServer(flags);
  }

  // A stub on a new channel (so a new handshake) to the server, with `tls`.
  std::unique_ptr<auth::v1::AuthService::Stub> Stub(const authn::ClientTlsFiles& tls) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        authn::ChannelCredentialsFor(tls);
    EXPECT_THAT(credentials, IsOk());
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    return auth::v1::AuthService::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", server_->port()), *credentials, args));
  }

  static authn::ClientTlsFiles TrustingOurCa() {
    authn::ClientTlsFiles tls;
    tls.enabled = true;
    tls.ca_cert = TestTempPath("ca.pem");
    return tls;
  }

  // Calls GetJwks; on success, `server_name` is the common name of the server's certificate.
  static grpc::Status Call(auth::v1::AuthService::Stub& stub, std::string* server_name = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    auth::v1::GetJwksResponse response;
    grpc::Status status = stub.GetJwks(&context, auth::v1::GetJwksRequest(), &response);
    if (status.ok() && server_name != nullptr) {
      std::vector<grpc::string_ref> names =
          context.auth_context()->FindPropertyValues("x509_common_name");
      *server_name = names.empty() ? "" : std::string(names[0].data(), names[0].size());
    }
    return status;
  }
};

TEST_F(TlsE2eTest, ServesTlsThatTheClientVerifiesAgainstItsCa) {
  StartTlsServer({});
  std::string server_name;
  grpc::Status status = Call(*Stub(TrustingOurCa()), &server_name);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(server_name, "first-server");

  // A client that trusts another CA refuses the server; a plaintext one gets nowhere.
  authn::ClientTlsFiles other = TrustingOurCa();
  other.ca_cert = TestTempPath("other-ca.pem");
  EXPECT_EQ(Call(*Stub(other)).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Call(*Stub(authn::ClientTlsFiles{})).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsE2eTest, WithAClientCaOnlyClientsWithItsCertificatesGetIn) {
  StartTlsServer({"--tls_client_ca=" + TestTempPath("ca.pem")});
  authn::ClientTlsFiles with_cert = TrustingOurCa();
  with_cert.client_cert = TestTempPath("client.pem");
  with_cert.client_key = TestTempPath("client.key");
  grpc::Status status = Call(*Stub(with_cert));
  EXPECT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(Call(*Stub(TrustingOurCa())).error_code(), grpc::StatusCode::UNAVAILABLE);
  authn::ClientTlsFiles stranger = TrustingOurCa();
  stranger.client_cert = TestTempPath("stranger.pem");
  stranger.client_key = TestTempPath("stranger.key");
  EXPECT_EQ(Call(*Stub(stranger)).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsE2eTest, AReplacedCertificateIsServedWithoutARestart) {
  // Copies of the server's files, which the test may replace.
  Openssl({"pkey", "-in", TestTempPath("server.key"), "-out", TestTempPath("live.key")});
  Openssl({"x509", "-in", TestTempPath("server.pem"), "-out", TestTempPath("live.pem")});
  StartServer({"--tls_key=" + TestTempPath("live.key"), "--tls_cert=" + TestTempPath("live.pem"),
               "--tls_reload_interval=1s"});
  std::string server_name;
  ASSERT_TRUE(Call(*Stub(TrustingOurCa()), &server_name).ok());
  EXPECT_EQ(server_name, "first-server");
  const int pid = server_->process().pid();

  // The renewed pair, each file renamed into place (never half written).
  ASSERT_EQ(std::rename(TestTempPath("renewed.key").c_str(), TestTempPath("live.key").c_str()), 0);
  ASSERT_EQ(std::rename(TestTempPath("renewed.pem").c_str(), TestTempPath("live.pem").c_str()), 0);
  for (absl::Time deadline = absl::Now() + absl::Seconds(30);
       absl::Now() < deadline && server_name != "renewed-server";
       absl::SleepFor(absl::Milliseconds(200))) {
    grpc::Status status = Call(*Stub(TrustingOurCa()), &server_name);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(server_name, "renewed-server");
  EXPECT_EQ(server_->process().pid(), pid);
  EXPECT_TRUE(server_->Running());
}

}  // namespace
}  // namespace auth::service::testing
