// End-to-end: greeter_server reaching an auth_server that requires mTLS (--tls_client_ca). With
// --auth_client_cert/--auth_client_key it fetches the keys and confirms sessions; without them
// the auth service refuses its handshakes, so it can vouch for nobody (UNAVAILABLE).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/greeter/v1/greeter.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/authn/channel_credentials.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/test_certificates.h"
#include "services/auth/testing/auth_server_backend.h"
#include "services/auth/testing/auth_server_process.h"
#include "services/auth/testing/auth_test_client.h"
#include "services/auth/testing/test_password.h"

namespace greeter {
namespace {

using ::auth::service_testing::AuthServerBackend;
using ::auth::service_testing::AuthServerProcess;
using ::auth::service_testing::AuthTestClient;
using ::auth::service_testing::kPassword;
using ::auth::test_util::IsOk;
using ::auth::test_util::MakeTestCa;
using ::auth::test_util::MakeTestCertificate;
using ::auth::test_util::Runfile;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::auth::test_util::TestTempPath;

class GreeterMtlsE2eTest : public ::testing::Test {
 protected:
  // One database and one auth_server requiring mTLS for the suite; a greeter per test.
  static void SetUpTestSuite() {
    ASSERT_THAT(MakeTestCa("ca"), IsOk());
    ASSERT_THAT(MakeTestCertificate("auth", "auth", "ca"), IsOk());
    ASSERT_THAT(MakeTestCertificate("greeter", "greeter", "ca"), IsOk());
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerBackend> backend, AuthServerBackend::Start());
    backend_ = backend.release();
    std::vector<std::string> flags = backend_->Flags();
    flags.push_back("--tls_cert=" + TestTempPath("auth.pem"));
    flags.push_back("--tls_key=" + TestTempPath("auth.key"));
    flags.push_back("--tls_client_ca=" + TestTempPath("ca.pem"));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuthServerProcess> server,
                         AuthServerProcess::Start(flags));
    auth_server_ = server.release();
    // By address, which the certificate names too: a host name would go through gRPC's c-ares
    // resolver, whose Debian build leaks a few bytes at exit (LeakSanitizer under asan).
    auth_target_ = new std::string(absl::StrCat("127.0.0.1:", auth_server_->port()));
  }

  static void TearDownTestSuite() {
    delete auth_target_;
    delete auth_server_;
    delete backend_;
  }

  // The test's own mTLS client of the auth service (it presents the greeter's certificate).
  std::unique_ptr<auth::v1::AuthService::Stub> AuthStub() {
    auth::authn::ClientTlsFiles tls = GreeterTls();
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        auth::authn::ChannelCredentialsFor(tls);
    EXPECT_THAT(credentials, IsOk());
    return auth::v1::AuthService::NewStub(grpc::CreateChannel(*auth_target_, *credentials));
  }

  static auth::authn::ClientTlsFiles GreeterTls() {
    auth::authn::ClientTlsFiles tls;
    tls.enabled = true;
    tls.ca_cert = TestTempPath("ca.pem");
    tls.client_cert = TestTempPath("greeter.pem");
    tls.client_key = TestTempPath("greeter.key");
    return tls;
  }

  // Starts greeter_server with `tls_flags`; returns its port (0 if it did not start).
  int StartGreeter(const std::vector<std::string>& tls_flags) {
    SubprocessOptions options;
    options.argv = {Runfile("services/greeter/greeter_server"), "--listen=127.0.0.1:0",
                    "--auth_target=" + *auth_target_};
    options.argv.insert(options.argv.end(), tls_flags.begin(), tls_flags.end());
    options.capture_stdout = true;
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(options);
    EXPECT_THAT(process, IsOk());
    if (!process.ok()) return 0;
    greeter_ = *std::move(process);
    absl::StatusOr<std::vector<std::string>> line =
        greeter_->WaitForLine("listening on port ([0-9]+)", absl::Seconds(60));
    int port = 0;
    if (!line.ok() || !absl::SimpleAtoi((*line)[1], &port)) return 0;
    return port;
  }

  grpc::Status Hello(int greeter_port, const std::string& token) {
    auto stub = greeter::v1::Greeter::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", greeter_port), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("authorization", "Bearer " + token);
    greeter::v1::HelloResponse response;
    return stub->Hello(&context, greeter::v1::HelloRequest(), &response);
  }

  // Registers `name` and logs in through the test's own mTLS client.
  std::string LoginToken(const std::string& name) {
    std::unique_ptr<auth::v1::AuthService::Stub> auth = AuthStub();
    AuthTestClient client(*auth);
    EXPECT_TRUE(client.Register(name, name + "@example.com").ok());
    auth::v1::LoginResponse response;
    grpc::Status status = client.Login(name + "@example.com", "", kPassword, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.jwt_token();
  }

  inline static AuthServerBackend* backend_ = nullptr;
  inline static AuthServerProcess* auth_server_ = nullptr;
  inline static std::string* auth_target_ = nullptr;  // 127.0.0.1:port
  std::unique_ptr<Subprocess> greeter_;
};

TEST_F(GreeterMtlsE2eTest, PresentsItsCertificateToTheAuthService) {
  const std::string token = LoginToken("mallory");
  const std::vector<std::string> flags = {"--auth_tls", "--auth_ca_cert=" + TestTempPath("ca.pem"),
                                          "--auth_client_cert=" + TestTempPath("greeter.pem"),
                                          "--auth_client_key=" + TestTempPath("greeter.key")};
  const int port = StartGreeter(flags);
  ASSERT_NE(port, 0);
  grpc::Status status = Hello(port, token);
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
}

TEST_F(GreeterMtlsE2eTest, WithoutACertificateTheAuthServiceRefusesIt) {
  const std::string token = LoginToken("trent");
  const int port = StartGreeter({"--auth_tls", "--auth_ca_cert=" + TestTempPath("ca.pem")});
  ASSERT_NE(port, 0);
  EXPECT_EQ(Hello(port, token).error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace greeter
