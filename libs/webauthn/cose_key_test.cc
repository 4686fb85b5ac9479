// COSE keys and authenticator data, built by the test with keys it generates.
#include "libs/webauthn/cose_key.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/webauthn/authenticator_data.h"
#include "libs/webauthn/cbor.h"
#include "libs/webauthn/test_authenticator.h"

namespace auth::webauthn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using testing::KeyType;
using testing::TestAuthenticator;
namespace enc = ::auth::webauthn::testing;

absl::StatusOr<CosePublicKey> KeyFromBytes(const std::string& cose) {
  absl::StatusOr<CborItem> item = DecodeCbor(cose, 1024);
  if (!item.ok()) return item.status();
  return CosePublicKey::FromCoseKey(item->get());
}

class CoseKeyTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(CoseKeyTest, VerifiesTheKeysSignatureAndNothingElse) {
  const TestAuthenticator authenticator(GetParam());
  absl::StatusOr<CosePublicKey> key = KeyFromBytes(authenticator.CoseKey());
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(key->algorithm(),
            GetParam() == KeyType::kP256 ? CoseAlgorithm::kEs256 : CoseAlgorithm::kEdDsa);
  std::string signature = authenticator.Sign("message");
  EXPECT_THAT(key->Verify("message", signature), IsOk());
  EXPECT_THAT(key->Verify("massage", signature), StatusIs(absl::StatusCode::kUnauthenticated));
  signature[signature.size() / 2] ^= 0x01;
  EXPECT_THAT(key->Verify("message", signature), StatusIs(absl::StatusCode::kUnauthenticated));
  const TestAuthenticator other(GetParam());
  EXPECT_THAT(key->Verify("message", other.Sign("message")),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(CoseKeyTest, TheStoredFormReadsBackToTheSameKey) {
  const TestAuthenticator authenticator(GetParam());
  absl::StatusOr<CosePublicKey> key = KeyFromBytes(authenticator.CoseKey());
  ASSERT_THAT(key, IsOk());
  absl::StatusOr<CosePublicKey> stored = CosePublicKey::FromSpkiDer(key->spki_der());
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->algorithm(), key->algorithm());
  EXPECT_THAT(stored->Verify("m", authenticator.Sign("m")), IsOk());
  EXPECT_THAT(CosePublicKey::FromSpkiDer(key->spki_der().substr(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(CoseKeyTest, RefusesOtherAlgorithms) {
  const TestAuthenticator authenticator(GetParam());
  for (int64_t alg : {-257, -35, -7, -8, 1}) {
    const bool own = alg == (GetParam() == KeyType::kP256 ? -7 : -8);
    if (own) continue;
    EXPECT_THAT(KeyFromBytes(authenticator.CoseKeyWithAlg(alg)),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << alg;
  }
}

INSTANTIATE_TEST_SUITE_P(Keys, CoseKeyTest, ::testing::Values(KeyType::kP256, KeyType::kEd25519));

TEST(CoseKeyShapeTest, RefusesAPointOffTheCurveAndWrongSizes) {
  const std::string x(32, '\x01');
  auto ec2 = [](const std::string& x, const std::string& y) {
    return enc::CborMap(
        5, absl::StrCat(enc::CborInt(1), enc::CborInt(2), enc::CborInt(3), enc::CborInt(-7),
                        enc::CborInt(-1), enc::CborInt(1), enc::CborInt(-2), enc::CborBytes(x),
                        enc::CborInt(-3), enc::CborBytes(y)));
  };
  EXPECT_THAT(KeyFromBytes(ec2(x, x)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(KeyFromBytes(ec2(x, std::string(31, '\x01'))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32-byte")));
  // An EdDSA key on the wrong curve (X448 is crv 5).
  EXPECT_THAT(
      KeyFromBytes(enc::CborMap(
          4, absl::StrCat(enc::CborInt(1), enc::CborInt(1), enc::CborInt(3), enc::CborInt(-8),
                          enc::CborInt(-1), enc::CborInt(5), enc::CborInt(-2), enc::CborBytes(x)))),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CoseKeyShapeTest, RefusesAKeyWithPrivateMaterial) {
  const TestAuthenticator authenticator(KeyType::kEd25519);
  std::string cose = authenticator.CoseKey();
  cose[0] = static_cast<char>(0xa5);  // one more pair
  cose += enc::CborInt(-4) + enc::CborBytes(std::string(32, '\x07'));
  EXPECT_THAT(KeyFromBytes(cose),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("private")));
}

TEST(AuthenticatorDataTest, ParsesAttestedCredentialData) {
  const TestAuthenticator authenticator(KeyType::kP256);
  const std::string id(64, '\x11');
  const std::string bytes =
      enc::AuthenticatorDataBytes("example.com",
                                  kFlagUserPresent | kFlagUserVerified | kFlagBackupEligible |
                                      kFlagBackupState | kFlagAttestedCredentialData,
                                  7, id, authenticator.CoseKey());
  absl::StatusOr<AuthenticatorData> data = ParseAuthenticatorData(bytes);
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->rp_id_hash, enc::Sha256Bytes("example.com"));
  EXPECT_EQ(data->sign_count, 7u);
  EXPECT_TRUE(data->user_present() && data->user_verified());
  EXPECT_TRUE(data->backup_eligible() && data->backup_state());
  ASSERT_TRUE(data->attested_credential.has_value());
  EXPECT_EQ(data->attested_credential->credential_id, id);
  EXPECT_EQ(data->attested_credential->aaguid, std::string(16, '\x42'));
}

TEST(AuthenticatorDataTest, ParsesExtensionsAfterTheKeyAndRefusesTrailingBytes) {
  const TestAuthenticator authenticator(KeyType::kEd25519);
  const std::string extensions =
      enc::CborMap(1, absl::StrCat(enc::CborText("credProtect"), enc::CborInt(2)));
  const uint8_t flags = kFlagUserPresent | kFlagAttestedCredentialData | kFlagExtensionData;
  const std::string bytes =
      enc::AuthenticatorDataBytes("example.com", flags, 0, "id", authenticator.CoseKey());
  absl::StatusOr<AuthenticatorData> data = ParseAuthenticatorData(bytes + extensions);
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->extensions, extensions);
  EXPECT_THAT(ParseAuthenticatorData(bytes + extensions + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
  EXPECT_THAT(ParseAuthenticatorData(bytes), StatusIs(absl::StatusCode::kInvalidArgument));
  // Without ED the extension bytes are left over.
  const std::string without_ed = enc::AuthenticatorDataBytes(
      "example.com", flags & ~kFlagExtensionData, 0, "id", authenticator.CoseKey());
  EXPECT_THAT(ParseAuthenticatorData(without_ed + extensions),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
  EXPECT_THAT(
      ParseAuthenticatorData(enc::AuthenticatorDataBytes("example.com", kFlagUserPresent, 0) + "x"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
}

TEST(AuthenticatorDataTest, RefusesCredentialIdsOver1023Bytes) {
  const TestAuthenticator authenticator(KeyType::kEd25519);
  const uint8_t flags = kFlagUserPresent | kFlagAttestedCredentialData;
  EXPECT_THAT(ParseAuthenticatorData(enc::AuthenticatorDataBytes(
                  "example.com", flags, 0, std::string(1023, 'i'), authenticator.CoseKey())),
              IsOk());
  EXPECT_THAT(ParseAuthenticatorData(enc::AuthenticatorDataBytes(
                  "example.com", flags, 0, std::string(1024, 'i'), authenticator.CoseKey())),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("credential id length")));
}

TEST(AuthenticatorDataTest, RefusesBackupStateWithoutBackupEligibility) {
  EXPECT_THAT(ParseAuthenticatorData(enc::AuthenticatorDataBytes(
                  "example.com", kFlagUserPresent | kFlagBackupState, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("backup")));
}

TEST(AuthenticatorDataTest, RefusesTruncatedData) {
  const std::string bytes = enc::AuthenticatorDataBytes("example.com", kFlagUserPresent, 0);
  EXPECT_THAT(ParseAuthenticatorData(bytes), IsOk());
  EXPECT_THAT(ParseAuthenticatorData(bytes.substr(0, 36)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseAuthenticatorData(enc::AuthenticatorDataBytes(
                  "example.com", kFlagUserPresent | kFlagAttestedCredentialData, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace auth::webauthn
