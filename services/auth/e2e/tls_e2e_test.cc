// TLS end to end: the real auth_server binary serving TLS and mTLS with certificates this test
// makes with the openssl CLI (a CA of its own), reached through libs/authn's
// ChannelCredentialsFor, and a certificate replaced on disk that is served without a restart.
// The certificates come from libs/testing:test_certificates (the openssl CLI).

#include <chrono>
#include <cstdio>
#include <iostream>
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
#include "libs/testing/test_certificates.h"
#include "services/auth/e2e/e2e_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::MakeTestCa;
using ::auth::test_util::MakeTestCertificate;
using ::auth::test_util::TestTempPath;

class TlsE2eTest : public AuthServerE2eTest {
 protected:
  static void SetUpTestSuite() {
    AuthServerE2eTest::SetUpTestSuite();
    ASSERT_THAT(MakeTestCa("ca"), IsOk());
    ASSERT_THAT(MakeTestCa("other-ca"), IsOk());
    ASSERT_THAT(MakeTestCertificate("server", "first-server", "ca"), IsOk());
    ASSERT_THAT(MakeTestCertificate("renewed", "renewed-server", "ca"), IsOk());
    ASSERT_THAT(MakeTestCertificate("client", "greeter", "ca"), IsOk());
    ASSERT_THAT(MakeTestCertificate("stranger", "stranger", "other-ca"), IsOk());
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
    return auth::v1::AuthService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()), *credentials, args));
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
  // A pair of its own, which the test replaces.
  ASSERT_THAT(MakeTestCertificate("live", "first-server", "ca"), IsOk());
  StartServer({"--tls_key=" + TestTempPath("live.key"), "--tls_cert=" + TestTempPath("live.pem"),
               "--tls_reload_interval=1s"});
  std::string server_name;
  ASSERT_TRUE(Call(*Stub(TrustingOurCa()), &server_name).ok());
  EXPECT_EQ(server_name, "first-server");
  const int pid = server_->process().pid();

  // The renewed pair, each file renamed into place (never half written).
  ASSERT_EQ(std::rename(TestTempPath("renewed.key").c_str(), TestTempPath("live.key").c_str()), 0);
  ASSERT_EQ(std::rename(TestTempPath("renewed.pem").c_str(), TestTempPath("live.pem").c_str()), 0);
  const absl::Time replaced = absl::Now();
  for (absl::Time deadline = absl::Now() + absl::Seconds(30);
       absl::Now() < deadline && server_name != "renewed-server";
       absl::SleepFor(absl::Milliseconds(200))) {
    grpc::Status status = Call(*Stub(TrustingOurCa()), &server_name);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(server_name, "renewed-server");
  // RELIABILITY.md, "Keys and certificates rotate without a restart".
  std::cout << "FIGURE renewed certificate served "
            << absl::ToInt64Milliseconds(absl::Now() - replaced)
            << " ms after the files were replaced (--tls_reload_interval=1s)\n";
  EXPECT_EQ(server_->process().pid(), pid);
  EXPECT_TRUE(server_->Running());
}

}  // namespace
}  // namespace auth::service_testing
