// End-to-end test of the HTTP front over TLS (--http_tls_cert, --http_tls_key), spoken to by
// curl exactly as docs/api.md's examples do: a self-signed certificate made by openssl for
// 127.0.0.1, curl trusting it (--cacert).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "services/auth/e2e/http_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

class HttpTlsTest : public HttpE2eTest {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir();
    cert_ = dir_ + "/http_cert.pem";
    key_ = dir_ + "/http_key.pem";
    ASSERT_NO_FATAL_FAILURE(MakeCertificate(key_, cert_));
    // Read again every second (gRPC's interval flag), to see a rotation quickly.
    StartServer(HttpFlags(
        {"--http_tls_cert=" + cert_, "--http_tls_key=" + key_, "--tls_reload_interval=1s"}));
  }

  // A new self-signed certificate for 127.0.0.1 and its key.
  void MakeCertificate(const std::string& key_path, const std::string& cert_path) {
    SubprocessOptions openssl;
    openssl.argv = {"openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                    "-keyout",
                    key_path,
                    "-out",
                    cert_path,
                    "-days",
                    "1",
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1"};
    openssl.stderr_path = dir_ + "/openssl.log";
    absl::StatusOr<auth::test_util::ExitStatus> made = Subprocess::Run(openssl, absl::Seconds(60));
    ASSERT_THAT(made, IsOk());
    ASSERT_TRUE(made->ok()) << ReadFile(openssl.stderr_path);
  }

  // Runs curl with `args` against https://127.0.0.1:<http port><path>; returns the status code,
  // and fills the response's headers and body.
  int Curl(const std::string& path, const std::vector<std::string>& args, std::string* headers,
           std::string* body, const std::string& trusted_cert = "") {
    SubprocessOptions curl;
    const std::string& cacert = trusted_cert.empty() ? cert_ : trusted_cert;
    curl.argv = {"curl", "-sS",          "--cacert", cacert,        "-D", dir_ + "/headers",
                 "-o",   dir_ + "/body", "-w",       "%{http_code}"};
    curl.argv.insert(curl.argv.end(), args.begin(), args.end());
    curl.argv.push_back(absl::StrCat("https://127.0.0.1:", server_->http_port(), path));
    curl.stdout_path = dir_ + "/code";
    std::remove(curl.stdout_path.c_str());
    absl::StatusOr<auth::test_util::ExitStatus> ran = Subprocess::Run(curl, absl::Seconds(60));
    EXPECT_THAT(ran, IsOk());
    *headers = ReadFile(dir_ + "/headers");
    *body = ReadFile(dir_ + "/body");
    return std::atoi(ReadFile(curl.stdout_path).c_str());
  }

  std::string dir_, cert_, key_;
};

TEST_F(HttpTlsTest, ServesHttpsOnly) {
  std::string headers, body;
  EXPECT_EQ(Curl("/healthz", {}, &headers, &body), 200);
  EXPECT_EQ(body, "SERVING\n");

  ASSERT_TRUE(Register("tls_user", "tls@example.com", "").ok());
  EXPECT_EQ(
      Curl("/auth.v1.AuthService/Login",
           {"-H", "Content-Type: application/json", "-d",
            absl::StrCat(R"({"email":"tls@example.com","passwordHash":")", kPassword, R"("})")},
           &headers, &body),
      200)
      << body;
  EXPECT_THAT(headers, HasSubstr("Set-Cookie: jwt-token="));
  EXPECT_THAT(body, HasSubstr("\"jwtToken\""));

  // HSTS on every answer over TLS, without includeSubDomains unless configured.
  EXPECT_THAT(headers, HasSubstr("Strict-Transport-Security: max-age=31536000\r\n"));
  Curl("/healthz", {}, &headers, &body);
  EXPECT_THAT(headers, HasSubstr("Strict-Transport-Security: max-age=31536000\r\n"));

  // Plain HTTP to the TLS port gets no HTTP answer.
  absl::StatusOr<HttpReply> plain = http().Get("/healthz");
  EXPECT_FALSE(plain.ok() && plain->status == 200);
}

// The certificate files replaced (as certbot or cert-manager do): the new certificate is served
// to new connections within the reload interval, without a restart.
TEST_F(HttpTlsTest, ServesARotatedCertificateWithoutRestart) {
  std::string headers, body;
  ASSERT_EQ(Curl("/healthz", {}, &headers, &body), 200);
  const std::string old_cert = dir_ + "/http_cert_old.pem";
  ASSERT_EQ(std::rename(cert_.c_str(), old_cert.c_str()), 0);
  const std::string new_cert = dir_ + "/http_cert_new.pem";
  const std::string new_key = dir_ + "/http_key_new.pem";
  ASSERT_NO_FATAL_FAILURE(MakeCertificate(new_key, new_cert));
  {
    std::ofstream copy(dir_ + "/http_cert_next.pem");
    copy << ReadFile(new_cert);
  }
  // Each file replaced at once, one after the other: a reload between the two sees a pair that
  // does not match, keeps the old one and takes the new at the next.
  ASSERT_EQ(std::rename((dir_ + "/http_cert_next.pem").c_str(), cert_.c_str()), 0);
  ASSERT_EQ(std::rename(new_key.c_str(), key_.c_str()), 0);

  const absl::Time rotated = absl::Now();
  int code = 0;
  while (absl::Now() - rotated < absl::Seconds(15)) {
    code = Curl("/healthz", {}, &headers, &body, new_cert);
    if (code == 200) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  std::cout << "FIGURE: rotated HTTP certificate served after " << absl::Now() - rotated
            << " (--tls_reload_interval=1s)" << std::endl;
  EXPECT_EQ(code, 200) << "the rotated certificate was not served within 15 s";
  // The old certificate is no longer served.
  EXPECT_NE(Curl("/healthz", {}, &headers, &body, old_cert), 200);
}

}  // namespace
}  // namespace auth::service_testing
