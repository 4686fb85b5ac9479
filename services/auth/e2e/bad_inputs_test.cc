// Bad inputs against the real auth_server: a table of malformed, oversized, forged or
// mismatched requests per RPC, each of which must be refused with the expected code, store
// nothing, and leave the server serving. Prints how many were tried per RPC
// ("RELIABILITY bad_inputs: ...").
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/auth/e2e/reliability_fixture.h"
#include "services/auth/testing/auth_test_client.h"

namespace auth::service_testing {
namespace {

using grpc::StatusCode;

struct RegisterCase {
  std::string what, username, email, phone, password;
  StatusCode expected = StatusCode::INVALID_ARGUMENT;
};

struct LoginCase {
  std::string what, email, phone, password;
  StatusCode expected = StatusCode::INVALID_ARGUMENT;
};

// A header of (key, value), or none when key is empty.
struct LogoutCase {
  std::string what;
  int32_t user_id;
  std::string header_key, header_value;
  StatusCode expected;
};

struct TokenCase {
  std::string what, token;
  StatusCode expected;
};

std::string Base64Url(const std::string& text) {
  std::string encoded;
  absl::WebSafeBase64Escape(text, &encoded);
  return encoded;
}

class BadInputsTest : public ReliabilityTest {};

TEST_F(BadInputsTest, EveryBadInputIsRefusedAndNothingIsStored) {
  std::unique_ptr<Replica> replica = StartReplica();
  ASSERT_NE(replica, nullptr);
  auth::v1::AuthService::Stub& stub = *replica->stub();
  ASSERT_TRUE(Register(stub, "victor").ok());
  ASSERT_TRUE(Register(stub, "wendy").ok());
  auth::v1::LoginResponse victor, wendy;
  ASSERT_TRUE(Login(stub, EmailOf("victor"), kPassword, &victor).ok());
  ASSERT_TRUE(Login(stub, EmailOf("wendy"), kPassword, &wendy).ok());
  const std::string token = victor.jwt_token();
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  const size_t dot = token.find('.');
  const std::string payload = token.substr(dot + 1, token.rfind('.') - dot - 1);
  const std::string alg_none = Base64Url(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  const std::string good = "ok-password-123";

  const std::vector<RegisterCase> registers = {
      {"empty username", "", "a@example.com", "", good},
      {"short username", "ab", "a@example.com", "", good},
      {"long username", std::string(33, 'u'), "a@example.com", "", good},
      {"space in username", "a b", "a@example.com", "", good},
      {"symbol in username", "ali$ce", "a@example.com", "", good},
      // (Invalid UTF-8 cannot be sent at all: proto3 strings are checked by the client stub.)
      {"non-ASCII username", "\xc3\xa1lvaro", "a@example.com", "", good},
      {"right-to-left override in username",
       "ab\xe2\x80\xae"
       "cd",
       "a@example.com", "", good},
      {"NUL in username", std::string("ab\0cd", 5), "a@example.com", "", good},
      {"SQL in username", "x'; DROP TABLE users;--", "a@example.com", "", good},
      {"empty email", "eve1", "", "", good},
      {"email without @", "eve2", "eve.example.com", "", good},
      {"email without dot in domain", "eve3", "eve@localhost", "", good},
      {"email with two @", "eve4", "eve@@example.com", "", good},
      {"email local part starts with dot", "eve5", ".eve@example.com", "", good},
      {"email local part with two dots", "eve6", "e..ve@example.com", "", good},
      {"email over 254 bytes", "eve7", std::string(250, 'e') + "@x.org", "", good},
      {"email local part over 64 bytes", "eve8", std::string(65, 'e') + "@example.com", "", good},
      {"email with space", "eve9", "e ve@example.com", "", good},
      {"phone without +", "fay1", "fay1@example.com", "15551234567", good},
      {"phone too short", "fay2", "fay2@example.com", "+123456", good},
      {"phone too long", "fay3", "fay3@example.com", "+1234567890123456", good},
      {"phone starting with 0", "fay4", "fay4@example.com", "+0123456789", good},
      {"phone with letters", "fay5", "fay5@example.com", "+1555ABC4567", good},
      {"empty password", "gus1", "gus1@example.com", "", ""},
      {"short password", "gus2", "gus2@example.com", "", "short"},
      {"password over 1024 bytes", "gus3", "gus3@example.com", "", std::string(1025, 'p')},
      {"request over 8 KiB", "gus4", "gus4@example.com", "", std::string(9000, 'p'),
       StatusCode::RESOURCE_EXHAUSTED},
      {"taken username", "victor", "other@example.com", "", good, StatusCode::ALREADY_EXISTS},
      {"taken email, other case", "other", "VICTOR@example.com", "", good,
       StatusCode::ALREADY_EXISTS},
  };
  const std::vector<LoginCase> logins = {
      {"no identifier", "", "", good},
      {"email and phone", EmailOf("victor"), "+15551234567", good},
      {"malformed email", "victor-at-example.com", "", good},
      {"malformed phone", "", "555-1234", good},
      {"empty password", EmailOf("victor"), "", ""},
      {"short password", EmailOf("victor"), "", "1234567"},
      {"password over 1024 bytes", EmailOf("victor"), "", std::string(1025, 'p')},
      {"unknown account", "nobody@example.com", "", good, StatusCode::NOT_FOUND},
  };
  const std::vector<LogoutCase> logouts = {
      {"user_id 0", 0, "authorization", "Bearer " + token, StatusCode::INVALID_ARGUMENT},
      {"negative user_id", -5, "authorization", "Bearer " + token, StatusCode::INVALID_ARGUMENT},
      {"no credentials", victor.user_id(), "", "", StatusCode::UNAUTHENTICATED},
      {"empty bearer", victor.user_id(), "authorization", "Bearer ", StatusCode::UNAUTHENTICATED},
      {"basic auth", victor.user_id(), "authorization", "Basic dXNlcjpwYXNz",
       StatusCode::UNAUTHENTICATED},
      {"garbage token", victor.user_id(), "authorization", "Bearer abc",
       StatusCode::UNAUTHENTICATED},
      {"forged signature", victor.user_id(), "authorization", "Bearer " + forged,
       StatusCode::UNAUTHENTICATED},
      {"alg none", victor.user_id(), "authorization", "Bearer " + alg_none,
       StatusCode::UNAUTHENTICATED},
      {"cookie without token", victor.user_id(), "cookie", "user_id=1; theme=dark",
       StatusCode::UNAUTHENTICATED},
      {"malformed cookie", victor.user_id(), "cookie", ";;=;jwt-token",
       StatusCode::UNAUTHENTICATED},
      {"another user's token", wendy.user_id(), "authorization", "Bearer " + token,
       StatusCode::PERMISSION_DENIED},
  };
  const std::vector<TokenCase> validates = {
      {"empty", "", StatusCode::INVALID_ARGUMENT},
      {"over 4096 bytes", std::string(5000, 'a'), StatusCode::INVALID_ARGUMENT},
      {"not a JWT", "a.b.c", StatusCode::UNAUTHENTICATED},
      {"two parts", "abc.def", StatusCode::UNAUTHENTICATED},
      {"forged signature", forged, StatusCode::UNAUTHENTICATED},
      {"alg none", alg_none, StatusCode::UNAUTHENTICATED},
      {"control characters", std::string("\x00\x01\x02.\x7f.\x1b", 7), StatusCode::UNAUTHENTICATED},
      {"non-ASCII", "\xc3\xbc.\xc3\xbc.\xc3\xbc", StatusCode::UNAUTHENTICATED},
  };
  const std::vector<TokenCase> refreshes = {
      {"empty", "", StatusCode::INVALID_ARGUMENT},
      {"over 256 bytes", std::string(300, 'r'), StatusCode::INVALID_ARGUMENT},
      {"unknown token", std::string(43, 'r'), StatusCode::UNAUTHENTICATED},
      {"an access token (over 256 bytes)", token, StatusCode::INVALID_ARGUMENT},
      {"a refresh token with one character changed",
       std::string(victor.refresh_token())
           .replace(0, 1, victor.refresh_token()[0] == 'A' ? "B" : "A"),
       StatusCode::UNAUTHENTICATED},
  };

  AuthTestClient client(stub);
  std::map<std::string, int> tried, refused_as_expected;
  // Counts one case of `rpc` and checks that it was answered `expected`.
  auto check = [&](const std::string& rpc, const std::string& what, const grpc::Status& status,
                   StatusCode expected) {
    EXPECT_EQ(status.error_code(), expected) << rpc << ": " << what;
    ++tried[rpc];
    refused_as_expected[rpc] += status.error_code() == expected;
  };
  for (const RegisterCase& c : registers) {
    check("Register", c.what, client.Register(c.username, c.email, c.phone, c.password),
          c.expected);
  }
  for (const LoginCase& c : logins) {
    check("Login", c.what, client.Login(c.email, c.phone, c.password), c.expected);
  }
  for (const LogoutCase& c : logouts) {
    Credentials credentials;
    if (!c.header_key.empty()) credentials.emplace_back(c.header_key, c.header_value);
    check("Logout", c.what, client.Logout(c.user_id, credentials), c.expected);
  }
  for (const TokenCase& c : validates) {
    check("ValidateToken", c.what, client.Validate(c.token), c.expected);
  }
  for (const TokenCase& c : refreshes) {
    check("RefreshToken", c.what, client.Refresh(c.token), c.expected);
  }

  // Nothing was stored, nothing was revoked, and the server still serves.
  EXPECT_EQ(ReadUsers().size(), 2u);
  EXPECT_TRUE(Validate(stub, token).ok());
  EXPECT_TRUE(Validate(stub, wendy.jwt_token()).ok());
  const bool server_up = replica->Running();
  EXPECT_TRUE(server_up);

  std::string figures;
  int total = 0, total_ok = 0;
  for (const auto& [rpc, n] : tried) {
    absl::StrAppend(&figures, rpc, "=", refused_as_expected[rpc], "/", n, " ");
    total += n;
    total_ok += refused_as_expected[rpc];
  }
  Report("bad_inputs", absl::StrCat(figures, "total=", total_ok, "/", total, " stored_users=",
                                    ReadUsers().size(), " server_up=", server_up));
}

}  // namespace
}  // namespace auth::service_testing
