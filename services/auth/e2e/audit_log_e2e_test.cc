// End-to-end test of the audit log: the real auth_server, started with --audit_log=<a file>,
// goes through a registration, a login, a failed login, a refresh, a reuse, a logout, a
// rejected token, a denied logout and a failed refresh; the
// file read back holds one parseable JSON line per event, naming the user, the client, the
// session and the family, and none of the secrets the calls carried: not the password digest,
// no access or refresh token, no digest of one.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/token_digest.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/e2e_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::TestTempPath;
using ::testing::SizeIs;

constexpr char kWrongPassword[] = "not-the-password-0123";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

class AuditLogE2eTest : public AuthServerE2eTest {
 protected:
  void SetUp() override { StartServer({"--audit_log=" + path_}); }

  // The session id (jti) of a live access token.
  std::string SessionOf(const std::string& access_token) {
    auth::v1::ValidateTokenResponse validated;
    EXPECT_TRUE(Validate(access_token, &validated).ok());
    return validated.session_id();
  }

  const std::string path_ = TestTempPath("audit.log");
};

TEST_F(AuditLogE2eTest, RecordsEachSecurityEventAndNoSecret) {
  ASSERT_TRUE(Register("audit_alice", "audit_alice@example.com", "").ok());
  const LoginResult login = Login("audit_alice@example.com", "");
  ASSERT_TRUE(login.status.ok()) << login.status.error_message();
  const int32_t user_id = login.response.user_id();
  const std::string first_session = SessionOf(login.response.jwt_token());  // also the family
  EXPECT_EQ(Login("audit_alice@example.com", "", kWrongPassword).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auth::v1::RefreshTokenResponse refreshed;
  ASSERT_TRUE(Refresh(login.response.refresh_token(), &refreshed).ok());
  const std::string refreshed_session = SessionOf(refreshed.jwt_token());
  EXPECT_EQ(Refresh(login.response.refresh_token()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);  // reuse: the family is revoked
  const LoginResult again = Login("audit_alice@example.com", "");
  ASSERT_TRUE(again.status.ok());
  const std::string second_session = SessionOf(again.response.jwt_token());
  ASSERT_TRUE(Logout(user_id, again.response.jwt_token()).ok());
  // The ended session's token is rejected, a second logout with it denied, and a made-up
  // refresh token a refresh failure.
  EXPECT_EQ(Validate(again.response.jwt_token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Logout(user_id, again.response.jwt_token(), /*as_cookie=*/false).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Refresh("made-up-refresh-token").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  absl::StatusOr<ExitStatus> stopped = server_->Stop(absl::Seconds(20));
  ASSERT_THAT(stopped, IsOk());

  const std::string contents = ReadAll(path_);
  std::cout << "AUDIT LOG of the test:\n" << contents;
  // One event per line, in the order of the calls; each line a JSON object with its time.
  const std::vector<nlohmann::json> expected = {
      {{"event", "register"}, {"user_id", user_id}},
      {{"event", "login_success"},
       {"user_id", user_id},
       {"session_id", first_session},
       {"family_id", first_session}},
      {{"event", "login_failure"}, {"user_id", user_id}, {"reason", "wrong_password"}},
      {{"event", "refresh"},
       {"user_id", user_id},
       {"session_id", refreshed_session},
       {"family_id", first_session}},
      {{"event", "reuse_detected"},
       {"user_id", user_id},
       {"family_id", first_session},
       {"reason", "family_revoked"}},
      {{"event", "login_success"},
       {"user_id", user_id},
       {"session_id", second_session},
       {"family_id", second_session}},
      {{"event", "logout"},
       {"user_id", user_id},
       {"session_id", second_session},
       {"reason", "all_sessions"}},
      {{"event", "token_rejected"}, {"reason", "session_ended"}},
      {{"event", "logout_denied"}, {"user_id", user_id}, {"reason", "session_ended"}},
      {{"event", "refresh_failure"}, {"reason", "unknown_expired_or_revoked"}},
  };
  const std::vector<std::string> lines = absl::StrSplit(contents, '\n', absl::SkipEmpty());
  ASSERT_THAT(lines, SizeIs(expected.size()));
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json event = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(event.is_object()) << "not a JSON object: " << lines[i];
    EXPECT_TRUE(event["time"].is_string()) << lines[i];
    event.erase("time");
    nlohmann::json want = expected[i];
    want["client_address"] = "127.0.0.1";  // the abuse limits' key of the loopback client
    EXPECT_EQ(event, want) << "line " << i;
  }

  // No secret the calls carried, nor a digest of one, is anywhere in the file.
  std::vector<std::string> secrets = {kPassword, kWrongPassword};
  for (const std::string& token :
       {login.response.jwt_token(), login.response.refresh_token(), refreshed.jwt_token(),
        refreshed.refresh_token(), again.response.jwt_token(), again.response.refresh_token()}) {
    ASSERT_FALSE(token.empty());
    secrets.push_back(token);
    secrets.push_back(token::DigestHex(token::DigestToken(token)));  // as the rows store them
  }
  for (const std::string& secret : secrets) {
    EXPECT_EQ(contents.find(secret), std::string::npos) << "a secret in the audit log: " << secret;
  }
}

}  // namespace
}  // namespace auth::service_testing
