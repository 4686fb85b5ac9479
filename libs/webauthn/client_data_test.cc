#include "libs/webauthn/client_data.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/webauthn/test_authenticator.h"

namespace auth::webauthn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using testing::ClientDataJson;
using ::testing::HasSubstr;

const std::string kChallenge(32, '\x5a');
constexpr char kOrigin[] = "https://auth.example.com";

ClientDataExpectation Expected(CeremonyType type = CeremonyType::kGet) {
  return {type, kChallenge, {"http://localhost:8080", kOrigin}};
}

TEST(ClientDataTest, AcceptsTheCeremonysOwnClientData) {
  EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.get", kChallenge, kOrigin), Expected()),
              IsOk());
  EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.create", kChallenge, kOrigin),
                               Expected(CeremonyType::kCreate)),
              IsOk());
  // Parsed, not compared: other members, crossOrigin false and whitespace are fine.
  EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.get", kChallenge, kOrigin,
                                              R"( , "crossOrigin" : false, "other_keys":"x")"),
                               Expected()),
              IsOk());
}

TEST(ClientDataTest, RefusesAnotherType) {
  EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.create", kChallenge, kOrigin), Expected()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("type")));
  EXPECT_THAT(VerifyClientData(ClientDataJson("payment.get", kChallenge, kOrigin), Expected()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("type")));
}

TEST(ClientDataTest, RefusesAnotherCeremonysChallenge) {
  const std::string other(32, '\x5b');
  EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.get", other, kOrigin), Expected()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("challenge")));
  EXPECT_THAT(
      VerifyClientData(ClientDataJson("webauthn.get", kChallenge.substr(1), kOrigin), Expected()),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("challenge")));
  EXPECT_THAT(
      VerifyClientData(R"({"type":"webauthn.get","challenge":"Wl==","origin":"x"})", Expected()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64url")));
}

TEST(ClientDataTest, RefusesOriginsOutsideTheList) {
  for (const char* origin : {"https://evil.example.com", "https://auth.example.com:443",
                             "https://auth.example.com/", "http://auth.example.com", ""}) {
    EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.get", kChallenge, origin), Expected()),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("origin")))
        << origin;
  }
}

TEST(ClientDataTest, RefusesCrossOriginAndTopOrigin) {
  EXPECT_THAT(VerifyClientData(
                  ClientDataJson("webauthn.get", kChallenge, kOrigin, R"(,"crossOrigin":true)"),
                  Expected()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("cross-origin")));
  EXPECT_THAT(VerifyClientData(
                  ClientDataJson("webauthn.get", kChallenge, kOrigin, R"(,"crossOrigin":"false")"),
                  Expected()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.get", kChallenge, kOrigin,
                                              R"(,"crossOrigin":true,"topOrigin":"https://a.b")"),
                               Expected()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // topOrigin only comes with a cross-origin ceremony: refused even without crossOrigin true.
  EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.get", kChallenge, kOrigin,
                                              R"(,"topOrigin":"https://a.b")"),
                               Expected()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("topOrigin")));
}

TEST(ClientDataTest, RefusesAMemberGivenTwice) {
  EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.get", kChallenge, kOrigin,
                                              R"(,"origin":"https://evil.example.com")"),
                               Expected()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
  // Nested objects may reuse top-level names.
  EXPECT_THAT(VerifyClientData(ClientDataJson("webauthn.get", kChallenge, kOrigin,
                                              R"(,"nested":{"origin":"x","type":"y"})"),
                               Expected()),
              IsOk());
}

TEST(ClientDataTest, RefusesMalformedAndOversizedInput) {
  for (const char* json : {"", "[]", "{", R"({"type":1})", "not json"}) {
    EXPECT_THAT(VerifyClientData(json, Expected()), StatusIs(absl::StatusCode::kInvalidArgument))
        << json;
  }
  const std::string padded =
      ClientDataJson("webauthn.get", kChallenge, kOrigin,
                     ",\"pad\":\"" + std::string(kMaxClientDataBytes, 'p') + "\"");
  EXPECT_THAT(VerifyClientData(padded, Expected()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("longer")));
}

}  // namespace
}  // namespace auth::webauthn
