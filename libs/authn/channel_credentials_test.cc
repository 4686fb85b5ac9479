// ChannelCredentialsFor's refusals. That the credentials it makes really connect (TLS, mTLS)
// is tested against the real server: services/auth/e2e/tls_e2e_test.cc.
#include "libs/authn/channel_credentials.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::authn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;

std::string WriteFile(const std::string& name, const std::string& contents) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << contents;
  return path;
}

TEST(ChannelCredentialsTest, PlaintextTakesNoFiles) {
  EXPECT_THAT(ChannelCredentialsFor({}), IsOk());
  ClientTlsFiles tls;
  tls.ca_cert = "/etc/ca.pem";
  EXPECT_THAT(ChannelCredentialsFor(tls),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("TLS is not enabled")));
}

TEST(ChannelCredentialsTest, AClientCertificateNeedsItsKey) {
  ClientTlsFiles tls;
  tls.enabled = true;
  tls.client_cert = WriteFile("cert.pem", "cert");
  EXPECT_THAT(ChannelCredentialsFor(tls),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("go together")));
  tls.client_cert.clear();
  tls.client_key = WriteFile("key.pem", "secret key bytes");
  EXPECT_THAT(ChannelCredentialsFor(tls),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("go together")));
}

TEST(ChannelCredentialsTest, AnUnreadableFileIsNamedButNoContents) {
  ClientTlsFiles tls;
  tls.enabled = true;
  tls.client_cert = WriteFile("present.pem", "cert");
  tls.client_key = "/nonexistent/key.pem";
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFor(tls);
  EXPECT_THAT(credentials,
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/key.pem")));
}

TEST(ChannelCredentialsTest, TlsWithSystemRootsNeedsNoFile) {
  ClientTlsFiles tls;
  tls.enabled = true;
  EXPECT_THAT(ChannelCredentialsFor(tls), IsOk());
}

}  // namespace
}  // namespace auth::authn
