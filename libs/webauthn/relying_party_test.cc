// Real registrations and assertions made by the test with keys it generates, then forged
// variants of each, every one refused.
#include "libs/webauthn/relying_party.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/webauthn/cose_key.h"
#include "libs/webauthn/test_authenticator.h"

namespace auth::webauthn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using testing::AttestationObject;
using testing::AuthenticatorDataBytes;
using testing::ClientDataJson;
using ::testing::HasSubstr;
using testing::KeyType;
using testing::TestAuthenticator;

constexpr char kRpId[] = "localhost";
constexpr char kOrigin[] = "http://localhost:8080";
constexpr uint8_t kUpUv = 0x01 | 0x04;
constexpr uint8_t kAt = 0x40;
const std::string kCredentialId(16, '\xc1');

class RelyingPartyTest : public ::testing::TestWithParam<KeyType> {
 protected:
  Ceremony MakeCeremony() const { return {kRpId, {kOrigin}, challenge_}; }

  absl::StatusOr<RegisteredCredential> Register(uint8_t flags = kUpUv | kAt,
                                                const std::string& rp_id = kRpId,
                                                const std::string& origin = kOrigin,
                                                const std::string& type = "webauthn.create") {
    const std::string auth_data =
        AuthenticatorDataBytes(rp_id, flags, 0, kCredentialId, authenticator_.CoseKey());
    return VerifyRegistration(MakeCeremony(), AttestationObject(auth_data),
                              ClientDataJson(type, challenge_, origin));
  }

  // An assertion as the authenticator would sign it, with optional forgeries.
  struct Assertion {
    std::string authenticator_data;
    std::string client_data_json;
    std::string signature;
  };
  Assertion Sign(uint32_t count, uint8_t flags = kUpUv, const std::string& rp_id = kRpId,
                 const std::string& origin = kOrigin, const std::string& type = "webauthn.get",
                 const std::string* challenge = nullptr) const {
    Assertion a;
    a.authenticator_data = AuthenticatorDataBytes(rp_id, flags, count);
    a.client_data_json = ClientDataJson(type, challenge ? *challenge : challenge_, origin);
    a.signature = authenticator_.Sign(
        absl::StrCat(a.authenticator_data, testing::Sha256Bytes(a.client_data_json)));
    return a;
  }

  absl::StatusOr<uint32_t> Verify(const Assertion& a, uint32_t stored_count = 0) {
    absl::StatusOr<RegisteredCredential> registered = Register();
    if (!registered.ok()) return registered.status();
    return VerifyAssertion(MakeCeremony(), {registered->public_key, stored_count},
                           a.authenticator_data, a.client_data_json, a.signature);
  }

  TestAuthenticator authenticator_{GetParam()};
  std::string challenge_ = std::string(32, '\x33');
};

TEST_P(RelyingPartyTest, RegistersACredential) {
  absl::StatusOr<RegisteredCredential> credential = Register(kUpUv | kAt | 0x08 | 0x10);
  ASSERT_THAT(credential, IsOk());
  EXPECT_EQ(credential->credential_id, kCredentialId);
  EXPECT_EQ(credential->sign_count, 0u);
  EXPECT_TRUE(credential->backup_eligible);
  EXPECT_TRUE(credential->backed_up);
  EXPECT_EQ(credential->public_key.algorithm(),
            GetParam() == KeyType::kP256 ? CoseAlgorithm::kEs256 : CoseAlgorithm::kEdDsa);
}

TEST_P(RelyingPartyTest, IgnoresTheAttestationStatementOfOtherFormats) {
  const std::string auth_data =
      AuthenticatorDataBytes(kRpId, kUpUv | kAt, 0, kCredentialId, authenticator_.CoseKey());
  EXPECT_THAT(VerifyRegistration(MakeCeremony(), AttestationObject(auth_data, "packed"),
                                 ClientDataJson("webauthn.create", challenge_, kOrigin)),
              IsOk());
}

TEST_P(RelyingPartyTest, RefusesForgedRegistrations) {
  EXPECT_THAT(Register(kUpUv | kAt, kRpId, "https://evil.example"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("origin")));
  EXPECT_THAT(Register(kUpUv | kAt, "evil.example"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("rpIdHash")));
  EXPECT_THAT(Register(0x04 | kAt), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("UP")));
  EXPECT_THAT(Register(0x01 | kAt), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("UV")));
  EXPECT_THAT(Register(kUpUv | kAt, kRpId, kOrigin, "webauthn.get"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("type")));
  const std::string no_at = AuthenticatorDataBytes(kRpId, kUpUv, 0);
  EXPECT_THAT(VerifyRegistration(MakeCeremony(), AttestationObject(no_at),
                                 ClientDataJson("webauthn.create", challenge_, kOrigin)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("AT")));
  const std::string other_alg = AuthenticatorDataBytes(kRpId, kUpUv | kAt, 0, kCredentialId,
                                                       authenticator_.CoseKeyWithAlg(-257));
  EXPECT_THAT(VerifyRegistration(MakeCeremony(), AttestationObject(other_alg),
                                 ClientDataJson("webauthn.create", challenge_, kOrigin)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("algorithm")));
  const std::string good =
      AuthenticatorDataBytes(kRpId, kUpUv | kAt, 0, kCredentialId, authenticator_.CoseKey());
  EXPECT_THAT(VerifyRegistration(MakeCeremony(), AttestationObject(good) + "x",
                                 ClientDataJson("webauthn.create", challenge_, kOrigin)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
  EXPECT_THAT(VerifyRegistration(MakeCeremony(), std::string(kMaxAttestationObjectBytes + 1, 'a'),
                                 ClientDataJson("webauthn.create", challenge_, kOrigin)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exceeds")));
}

TEST_P(RelyingPartyTest, AcceptsAGenuineAssertion) {
  EXPECT_THAT(Verify(Sign(5), 4), IsOkAndHolds(5u));
  // Synced passkeys keep signCount 0: 0 and 0 is normal.
  EXPECT_THAT(Verify(Sign(0), 0), IsOkAndHolds(0u));
  EXPECT_THAT(Verify(Sign(1), 0), IsOkAndHolds(1u));
}

TEST_P(RelyingPartyTest, RefusesForgedAssertions) {
  EXPECT_THAT(Verify(Sign(1, kUpUv, kRpId, "https://evil.example")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("origin")));
  Assertion flipped = Sign(1);
  flipped.signature[flipped.signature.size() - 5] ^= 0x01;
  EXPECT_THAT(Verify(flipped),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature")));
  EXPECT_THAT(Verify(Sign(1, kUpUv, "evil.example")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("rpIdHash")));
  EXPECT_THAT(Verify(Sign(1, 0x04)), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("UP")));
  EXPECT_THAT(Verify(Sign(1, 0x01)), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("UV")));
  EXPECT_THAT(Verify(Sign(1, kUpUv, kRpId, kOrigin, "webauthn.create")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("type")));
  const std::string other_challenge(32, '\x34');
  EXPECT_THAT(Verify(Sign(1, kUpUv, kRpId, kOrigin, "webauthn.get", &other_challenge)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("challenge")));
  // Signed authenticator data with one byte more (trailing) is malformed before any signature.
  Assertion trailing = Sign(1);
  trailing.authenticator_data += "x";
  EXPECT_THAT(Verify(trailing),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
  // Authenticator data changed after signing (UV set by an attacker) fails the signature.
  Assertion raised = Sign(1, 0x01);
  raised.authenticator_data[32] |= 0x04;
  EXPECT_THAT(Verify(raised), StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature")));
}

TEST_P(RelyingPartyTest, ANonIncreasingCountIsAPossibleClone) {
  for (const auto& [presented, stored] : {std::pair<uint32_t, uint32_t>{5, 5}, {4, 5}, {0, 5}}) {
    absl::StatusOr<uint32_t> result = Verify(Sign(presented), stored);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signCount")));
    EXPECT_TRUE(IsPossibleClone(result.status())) << presented << " after " << stored;
  }
  // Other refusals are not clone signals.
  Assertion flipped = Sign(9);
  flipped.signature[flipped.signature.size() - 5] ^= 0x01;
  EXPECT_FALSE(IsPossibleClone(Verify(flipped, 1).status()));
}

INSTANTIATE_TEST_SUITE_P(Keys, RelyingPartyTest,
                         ::testing::Values(KeyType::kP256, KeyType::kEd25519));

}  // namespace
}  // namespace auth::webauthn
