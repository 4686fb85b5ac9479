// ValidatePasskeyOptions, ValidatePasskeyName and the credential JSON parsers: what a
// misconfigured relying party, a bad label and a malformed credential are refused for.
#include "services/auth/passkey/passkey_options.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/internal/base64url.h"
#include "nlohmann/json.hpp"
#include "services/auth/passkey/credential_json.h"
#include "services/auth/passkey/passkey_names.h"

namespace auth::service {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::auth::token::internal::Base64UrlEncode;
using ::testing::HasSubstr;

PasskeyOptions Options(std::string rp_id, std::vector<std::string> origins) {
  PasskeyOptions options;
  options.rp_id = std::move(rp_id);
  options.origins = std::move(origins);
  return options;
}

TEST(PasskeyOptionsTest, AcceptsOffAndWellFormedRelyingParties) {
  EXPECT_THAT(ValidatePasskeyOptions({}), IsOk());
  EXPECT_THAT(ValidatePasskeyOptions(Options("localhost", {"http://localhost:8080"})), IsOk());
  EXPECT_THAT(ValidatePasskeyOptions(
                  Options("example.com", {"https://example.com", "https://login.example.com"})),
              IsOk());
}

TEST(PasskeyOptionsTest, RefusesEachMisconfigurationNamingTheFlag) {
  const auto refused = [](const PasskeyOptions& options, const std::string& flag) {
    EXPECT_THAT(ValidatePasskeyOptions(options),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(flag)));
  };
  refused(Options("", {"https://example.com"}), "--webauthn_origins");
  refused(Options("example.com", {}), "--webauthn_origins");
  refused(Options("127.0.0.1", {"http://127.0.0.1:8080"}), "--webauthn_rp_id");
  refused(Options("Example.com", {"https://example.com"}), "--webauthn_rp_id");
  refused(Options("example.com", {"https://evil.com"}), "--webauthn_origins");
  refused(Options("example.com", {"https://notexample.com"}), "--webauthn_origins");
  refused(Options("example.com", {"http://example.com"}), "--webauthn_origins");
  refused(Options("example.com", {"https://example.com/"}), "--webauthn_origins");
  refused(Options("example.com", {"https://example.com:0"}), "--webauthn_origins");
  PasskeyOptions lifetime = Options("localhost", {"http://localhost:8080"});
  lifetime.ceremony_lifetime = absl::Hours(1);
  refused(lifetime, "--webauthn_ceremony_lifetime");
  lifetime.ceremony_lifetime = absl::ZeroDuration();
  refused(lifetime, "--webauthn_ceremony_lifetime");
}

TEST(PasskeyNameTest, CountsCharactersNotBytes) {
  std::string sixty_four;
  for (int i = 0; i < 64; ++i) sixty_four += "\xc3\xa9";  // é
  EXPECT_THAT(ValidatePasskeyName(sixty_four), IsOk());
  EXPECT_THAT(ValidatePasskeyName(sixty_four + "e"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidatePasskeyName(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidatePasskeyName("tab\there"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidatePasskeyName("\xc0\xaf"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CredentialJsonTest, ParsesAnAuthenticationResponse) {
  const nlohmann::json json = {{"id", Base64UrlEncode("id")},
                               {"rawId", Base64UrlEncode("id")},
                               {"type", "public-key"},
                               {"clientExtensionResults", nlohmann::json::object()},
                               {"response",
                                {{"clientDataJSON", Base64UrlEncode("{}")},
                                 {"authenticatorData", Base64UrlEncode("ad")},
                                 {"signature", Base64UrlEncode("sig")}}}};
  absl::StatusOr<AuthenticationResponse> parsed = ParseAuthenticationResponse(json.dump());
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->credential_id, "id");
  EXPECT_EQ(parsed->authenticator_data, "ad");
  EXPECT_EQ(parsed->signature, "sig");
  EXPECT_EQ(parsed->user_handle, "");
}

TEST(CredentialJsonTest, RefusesMalformedCredentials) {
  nlohmann::json json = {
      {"id", Base64UrlEncode("id")},
      {"rawId", Base64UrlEncode("id")},
      {"type", "public-key"},
      {"response",
       {{"clientDataJSON", Base64UrlEncode("{}")}, {"attestationObject", Base64UrlEncode("ao")}}}};
  EXPECT_THAT(ParseRegistrationResponse(json.dump()), IsOk());
  const auto refused = [](const nlohmann::json& bad) {
    EXPECT_THAT(ParseRegistrationResponse(bad.dump()), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad.dump();
  };
  nlohmann::json other_id = json;
  other_id["id"] = Base64UrlEncode("other");
  refused(other_id);
  nlohmann::json wrong_type = json;
  wrong_type["type"] = "password";
  refused(wrong_type);
  nlohmann::json not_base64 = json;
  not_base64["response"]["attestationObject"] = "a+b/";
  refused(not_base64);
  nlohmann::json missing = json;
  missing["response"].erase("clientDataJSON");
  refused(missing);
  EXPECT_THAT(ParseRegistrationResponse(std::string(kMaxCredentialJsonBytes + 1, ' ')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseRegistrationResponse("[1,2"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace auth::service
