// End-to-end test of the audit log: the real auth_server, started with --audit_log=<a file>,
// goes through a registration, a login, a failed login, a refresh, a reuse and a logout; the
// file read back holds one parseable JSON line per event, naming the user, the client, the
// session and the family, and none of the secrets the calls carried: not the password digest,
// no access or refresh token, no digest of one.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
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

namespace auth::service::testing {
namespace {

using ::auth::testing::IsOk;
using ::auth::testing::TestTempPath;
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

  // The log's lines by event name, each parsed; every line must be one JSON object.
  std::multimap<std::string, nlohmann::json> ReadEvents(const std::string& contents) {
    std::multimap<std::string, nlohmann::json> events;
    for (absl::string_view line : absl::StrSplit(contents, '\n', absl::SkipEmpty())) {
      nlohmann::json event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_TRUE(event.is_object()) << "not a JSON object: " << line;
      if (event.is_object()) events.emplace(event.value("event", ""), event);
    }
    return events;
  }

  const std::string path_ = TestTempPath("audit.log");
};

TEST_F(AuditLogE2eTest, RecordsEachSecurityEventAndNoSecret) {
  ASSERT_TRUE(Register("audit_alice", "audit_alice@example.com", "").ok());
  const LoginResult login = Login("audit_alice@example.com", "");
  ASSERT_TRUE(login.status.ok()) << login.status.error_message();
  const int32_t user_id = login.response.user_id();
  auth::v1::ValidateTokenResponse validated;
  ASSERT_TRUE(Validate(login.response.jwt_token(), &validated).ok());
  const std::string login_session = validated.session_id();  // the jti, and the family's id
  EXPECT_EQ(Login("audit_alice@example.com", "", kWrongPassword).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auth::v1::RefreshTokenResponse refreshed;
  ASSERT_TRUE(Refresh(login.response.refresh_token(), &refreshed).ok());
  EXPECT_EQ(Refresh(login.response.refresh_token()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);  // reuse: the family is revoked
  const LoginResult again = Login("audit_alice@example.com", "");
  ASSERT_TRUE(again.status.ok());
  ASSERT_TRUE(Logout(user_id, again.response.jwt_token()).ok());
  absl::StatusOr<ExitStatus> stopped = server_->Stop(absl::Seconds(20));
  ASSERT_THAT(stopped, IsOk());

  const std::string contents = ReadAll(path_);
  std::cout << "AUDIT LOG of the test:\n" << contents;
  const std::multimap<std::string, nlohmann::json> events = ReadEvents(contents);
  for (const auto& [name, event] : events) {
    EXPECT_EQ(event["client_address"], "127.0.0.1") << event.dump();
    EXPECT_TRUE(event["time"].is_string()) << event.dump();
  }

  ASSERT_EQ(events.count("register"), 1u);
  EXPECT_EQ(events.find("register")->second["user_id"], user_id);

  ASSERT_EQ(events.count("login_success"), 2u);
  const nlohmann::json& first_login = events.find("login_success")->second;
  EXPECT_EQ(first_login["user_id"], user_id);
  EXPECT_EQ(first_login["session_id"], login_session);
  EXPECT_EQ(first_login["family_id"], login_session);

  ASSERT_EQ(events.count("login_failure"), 1u);
  const nlohmann::json& failure = events.find("login_failure")->second;
  EXPECT_EQ(failure["user_id"], user_id);
  EXPECT_EQ(failure["reason"], "wrong_password");

  ASSERT_EQ(events.count("refresh"), 1u);
  EXPECT_EQ(events.find("refresh")->second["family_id"], login_session);

  ASSERT_EQ(events.count("reuse_detected"), 1u);
  const nlohmann::json& reuse = events.find("reuse_detected")->second;
  EXPECT_EQ(reuse["user_id"], user_id);
  EXPECT_EQ(reuse["family_id"], login_session);
  EXPECT_EQ(reuse["reason"], "family_revoked");

  ASSERT_EQ(events.count("logout"), 1u);
  const nlohmann::json& logout = events.find("logout")->second;
  EXPECT_EQ(logout["user_id"], user_id);
  EXPECT_EQ(logout["reason"], "all_sessions");
  EXPECT_FALSE(logout["session_id"].get<std::string>().empty());

  EXPECT_THAT(events, SizeIs(7)) << "an event recorded where none belongs, or twice";

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
}  // namespace auth::service::testing
