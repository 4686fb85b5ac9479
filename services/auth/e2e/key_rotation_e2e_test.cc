// JWT keys rotated on SIGHUP, end to end: the real auth_server binary, its key file replaced the
// way an operator would (jwt_keygen, then a rename over the configured path), then SIGHUP.
// With --token_key_id empty, a key's kid is its thumbprint, so the new file brings a new kid.

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/key_set.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/e2e_fixture.h"
#include "services/auth/testing/http_test_client.h"

namespace auth::service_testing {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::TestTempPath;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kPublishDelay = absl::Seconds(6);

// The kid an empty --token_key_id gives the key in `private_key_path`: its thumbprint.
std::string KidOf(const std::string& private_key_path) {
  absl::StatusOr<token::KeySet> keys = token::KeySet::FromFiles(private_key_path, "", {});
  EXPECT_THAT(keys, IsOk());
  return keys.ok() ? keys->signing_key()->kid() : "";
}

// The "kid" of a compact JWS's header.
std::string KidOfToken(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string header;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[0], &header));
  return nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false).value("kid", "");
}

class KeyRotationE2eTest : public AuthServerE2eTest {
 protected:
  // Each test starts its own server, on a key file it can replace.
  void SetUp() override {
    key_file_ = Path("jwt.pem");
    ASSERT_THAT(GenerateSigningKey(Path("first.pem"), Path("first.pub.pem")), IsOk());
    ASSERT_EQ(std::rename(Path("first.pem").c_str(), key_file_.c_str()), 0);
    first_kid_ = KidOf(key_file_);
    revoked_file_ = Path("revoked-kids");
    std::ofstream(revoked_file_) << "# kids dropped at once on SIGHUP\n";
    StartServer({"--token_signing_key=" + key_file_,
                 "--token_key_id=", "--token_revoked_keys_file=" + revoked_file_,
                 "--token_key_publish_delay=" + absl::FormatDuration(kPublishDelay),
                 "--http_listen=127.0.0.1:0"});
  }

  // `name` in the test's temporary directory, apart from the other tests' files.
  static std::string Path(const std::string& name) {
    return TestTempPath(
        absl::StrCat(::testing::UnitTest::GetInstance()->current_test_info()->name(), "-", name));
  }

  // A new key pair, renamed over the configured key file (as after jwt_keygen); its kid.
  std::string ReplaceKeyFile(const std::string& name) {
    const std::string private_path = Path(name + ".pem");
    EXPECT_THAT(GenerateSigningKey(private_path, Path(name + ".pub.pem")), IsOk());
    const std::string kid = KidOf(private_path);
    EXPECT_EQ(std::rename(private_path.c_str(), key_file_.c_str()), 0);
    return kid;
  }

  void Sighup() { ASSERT_THAT(server_->process().Signal(SIGHUP), IsOk()); }

  std::string Jwks() {
    grpc::ClientContext context;
    auth::v1::GetJwksResponse response;
    grpc::Status status = stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.jwks_json();
  }

  // The document the HTTP front serves at /.well-known/jwks.json (what Envoy or NGINX read).
  std::string HttpJwks() {
    absl::StatusOr<HttpReply> reply =
        HttpTestClient(server_->http_port()).Get("/.well-known/jwks.json");
    EXPECT_THAT(reply, IsOk());
    return reply.ok() ? reply->body : "";
  }

  // Waits (the signal is handled asynchronously) until GetJwks publishes `kid`.
  bool WaitUntilPublished(const std::string& kid) {
    for (absl::Time deadline = absl::Now() + absl::Seconds(30); absl::Now() < deadline;
         absl::SleepFor(absl::Milliseconds(50))) {
      if (absl::StrContains(Jwks(), kid)) return true;
    }
    return false;
  }

  // A fresh access token for `name` (registered by the test).
  std::string LoginToken(const std::string& name) {
    LoginResult login = Login(name + "@example.com", "");
    EXPECT_TRUE(login.status.ok()) << login.status.error_message();
    return login.response.jwt_token();
  }

  std::string key_file_;
  std::string revoked_file_;
  std::string first_kid_;
};

TEST_F(KeyRotationE2eTest, SighupPublishesANewKeyThatSignsAfterTheDelay) {
  ASSERT_TRUE(Register("rotor", "rotor@example.com", "").ok());
  const std::string old_token = LoginToken("rotor");
  EXPECT_EQ(KidOfToken(old_token), first_kid_);
  EXPECT_THAT(Jwks(), HasSubstr(first_kid_));

  const std::string second_kid = ReplaceKeyFile("second");
  ASSERT_NE(second_kid, first_kid_);
  const absl::Time signalled = absl::Now();
  Sighup();
  ASSERT_TRUE(WaitUntilPublished(second_kid));
  const absl::Duration published_after = absl::Now() - signalled;
  // The HTTP front publishes the same keys at the same moment.
  EXPECT_THAT(HttpJwks(), HasSubstr(second_kid));
  EXPECT_EQ(HttpJwks(), Jwks());

  // Published, so accepted everywhere, but the old key still signs.
  const std::string during_delay = LoginToken("rotor");
  ASSERT_LT(absl::Now() - signalled, kPublishDelay) << "the machine is too slow for this test";
  EXPECT_EQ(KidOfToken(during_delay), first_kid_);
  EXPECT_TRUE(Validate(old_token).ok());

  // The new key signs once the delay has passed, not before.
  std::string new_token;
  for (absl::Time deadline = signalled + kPublishDelay + absl::Seconds(30); absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(200))) {
    new_token = LoginToken("rotor");
    if (KidOfToken(new_token) == second_kid) break;
  }
  ASSERT_EQ(KidOfToken(new_token), second_kid);
  const absl::Duration signing_after = absl::Now() - signalled;
  EXPECT_GE(signing_after, kPublishDelay);
  // RELIABILITY.md, "Keys and certificates rotate without a restart".
  std::cout << "FIGURE new key in GetJwks " << absl::ToInt64Milliseconds(published_after)
            << " ms after SIGHUP; first token it signed "
            << absl::ToInt64Milliseconds(signing_after)
            << " ms after SIGHUP (--token_key_publish_delay=" << kPublishDelay << ")\n";

  // Tokens of the replaced key stay valid until they expire, and both keys are published.
  grpc::Status old_still_valid = Validate(old_token);
  EXPECT_TRUE(old_still_valid.ok()) << old_still_valid.error_message();
  EXPECT_TRUE(Validate(during_delay).ok());
  EXPECT_TRUE(Validate(new_token).ok());
  EXPECT_THAT(Jwks(), HasSubstr(first_kid_));
  EXPECT_THAT(Jwks(), HasSubstr(second_kid));
}

TEST_F(KeyRotationE2eTest, ABadKeyFileKeepsTheKeysInForce) {
  ASSERT_TRUE(Register("steady", "steady@example.com", "").ok());
  const std::string token = LoginToken("steady");
  const std::string jwks = Jwks();

  std::ofstream(Path("broken.pem")) << "-----BEGIN PRIVATE KEY-----\nnot a key\n";
  ASSERT_EQ(std::rename(Path("broken.pem").c_str(), key_file_.c_str()), 0);
  Sighup();
  absl::SleepFor(absl::Seconds(1));  // nothing observable is meant to happen
  EXPECT_TRUE(server_->Running());
  EXPECT_EQ(Jwks(), jwks);
  EXPECT_TRUE(Validate(token).ok());
  EXPECT_EQ(KidOfToken(LoginToken("steady")), first_kid_);

  // The next good file is taken: the server still answers SIGHUP after a bad reload.
  const std::string next_kid = ReplaceKeyFile("next");
  Sighup();
  EXPECT_TRUE(WaitUntilPublished(next_kid));
  EXPECT_THAT(Jwks(), HasSubstr(first_kid_));
}

// A compromised key is dropped at once (docs/operations.md, "Dropping a signing key at once"):
// a new key file, the old kid in --token_revoked_keys_file, SIGHUP.
TEST_F(KeyRotationE2eTest, ARevokedKeyIsDroppedAtOnceAndTheNewKeySignsAtOnce) {
  ASSERT_TRUE(Register("victim", "victim@example.com", "").ok());
  const std::string stolen = LoginToken("victim");
  ASSERT_EQ(KidOfToken(stolen), first_kid_);
  ASSERT_TRUE(Validate(stolen).ok());  // its verdict is now remembered too

  const std::string second_kid = ReplaceKeyFile("second");
  std::ofstream(revoked_file_, std::ios::app) << first_kid_ << "  # leaked\n";
  const absl::Time signalled = absl::Now();
  Sighup();
  bool dropped = false;
  for (absl::Time deadline = absl::Now() + absl::Seconds(30); !dropped && absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(50))) {
    dropped = !absl::StrContains(Jwks(), first_kid_);
  }
  ASSERT_TRUE(dropped) << "GetJwks still lists the revoked key";
  const absl::Duration dropped_after = absl::Now() - signalled;
  EXPECT_THAT(Jwks(), HasSubstr(second_kid));
  EXPECT_THAT(HttpJwks(), Not(HasSubstr(first_kid_)));

  const grpc::Status refused = Validate(stolen);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << refused.error_message();
  const std::string fresh = LoginToken("victim");
  ASSERT_LT(absl::Now() - signalled, kPublishDelay) << "the machine is too slow for this test";
  EXPECT_EQ(KidOfToken(fresh), second_kid);  // no publish delay for a revoked key's successor
  EXPECT_TRUE(Validate(fresh).ok());
  std::cout << "FIGURE revoked key gone from GetJwks " << absl::ToInt64Milliseconds(dropped_after)
            << " ms after SIGHUP\n";
}

TEST_F(KeyRotationE2eTest, RevokingTheOnlySigningKeyIsRefusedAndKeepsTheKeysInForce) {
  ASSERT_TRUE(Register("keeper", "keeper@example.com", "").ok());
  const std::string token = LoginToken("keeper");
  std::ofstream(revoked_file_, std::ios::app) << first_kid_ << "\n";
  Sighup();
  absl::SleepFor(absl::Seconds(1));  // nothing observable is meant to happen
  EXPECT_TRUE(server_->Running());
  EXPECT_THAT(Jwks(), HasSubstr(first_kid_));
  EXPECT_TRUE(Validate(token).ok());
}

}  // namespace
}  // namespace auth::service_testing
