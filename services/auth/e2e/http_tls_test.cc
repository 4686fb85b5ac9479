// End-to-end test of the HTTP front over TLS (--http_tls_cert, --http_tls_key), spoken to by
// curl exactly as docs/api.md's examples do: a self-signed certificate made by openssl for
// 127.0.0.1, curl trusting it (--cacert).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
                    key_,
                    "-out",
                    cert_,
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
    StartServer(HttpFlags({"--http_tls_cert=" + cert_, "--http_tls_key=" + key_}));
  }

  // Runs curl with `args` against https://127.0.0.1:<http port><path>; returns the status code,
  // and fills the response's headers and body.
  int Curl(const std::string& path, const std::vector<std::string>& args, std::string* headers,
           std::string* body) {
    SubprocessOptions curl;
    curl.argv = {"curl", "-sS",          "--cacert", cert_,         "-D", dir_ + "/headers",
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

  // Plain HTTP to the TLS port gets no HTTP answer.
  absl::StatusOr<HttpReply> plain = http().Get("/healthz");
  EXPECT_FALSE(plain.ok() && plain->status == 200);
}

}  // namespace
}  // namespace auth::service_testing
