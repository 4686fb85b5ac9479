#include "libs/webauthn/options.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace auth::webauthn {
namespace {

using ::auth::test_util::IsOk;
using nlohmann::json;

TEST(OptionsTest, RandomValuesAre32FreshBytes) {
  absl::StatusOr<std::string> a = NewRandomBytes();
  absl::StatusOr<std::string> b = NewRandomBytes();
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

TEST(OptionsTest, CreationOptionsAreTheLevel3JsonForm) {
  CreationOptions options;
  options.rp_id = "localhost";
  options.rp_name = "Auth";
  options.user_handle = std::string("\xfb\xff\x01", 3);
  options.user_name = "ada@example.com";
  options.user_display_name = "Ada";
  options.challenge = std::string("\xff\xfe", 2);
  options.timeout = absl::Minutes(5);
  options.exclude_credential_ids = {std::string("\x01\x02", 2)};
  const json parsed = json::parse(CreationOptionsJson(options));
  EXPECT_EQ(parsed["challenge"], "__4");
  EXPECT_EQ(parsed["rp"], json({{"id", "localhost"}, {"name", "Auth"}}));
  EXPECT_EQ(parsed["user"],
            json({{"id", "-_8B"}, {"name", "ada@example.com"}, {"displayName", "Ada"}}));
  EXPECT_EQ(parsed["pubKeyCredParams"], json::parse(R"([{"type":"public-key","alg":-8},
                                                       {"type":"public-key","alg":-7}])"));
  EXPECT_EQ(parsed["timeout"], 300000);
  EXPECT_EQ(parsed["excludeCredentials"], json::parse(R"([{"type":"public-key","id":"AQI"}])"));
  EXPECT_EQ(parsed["authenticatorSelection"]["residentKey"], "required");
  EXPECT_EQ(parsed["authenticatorSelection"]["userVerification"], "required");
  EXPECT_EQ(parsed["attestation"], "none");
}

TEST(OptionsTest, RequestOptionsForDiscoverableCredentialsAllowNone) {
  RequestOptions options;
  options.rp_id = "localhost";
  options.challenge = "abc";
  options.timeout = absl::Seconds(90);
  const json parsed = json::parse(RequestOptionsJson(options));
  EXPECT_EQ(parsed, json::parse(R"({"challenge":"YWJj","rpId":"localhost","allowCredentials":[],
                                    "userVerification":"required","timeout":90000})"));
}

TEST(OptionsTest, InvalidUtf8InANameDoesNotThrow) {
  CreationOptions options;
  options.user_display_name = "\xff";
  EXPECT_NO_THROW(json::parse(CreationOptionsJson(options)));
}

}  // namespace
}  // namespace auth::webauthn
