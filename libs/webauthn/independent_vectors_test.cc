// Structures encoded by another CBOR implementation (python3-cbor2, when the fuzzers' seeds
// were written) parse as meant: guards against the tests' own encoder and the parser sharing a
// misreading of the format.
#include <fstream>
#include <iterator>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/webauthn/authenticator_data.h"
#include "libs/webauthn/cbor.h"
#include "libs/webauthn/cose_key.h"
#include "libs/webauthn/relying_party.h"
#include "libs/webauthn/test_authenticator.h"

namespace auth::webauthn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;

std::string Seed(const std::string& name) {
  std::ifstream file("libs/webauthn/fuzz/corpus/authenticator_bytes_fuzzer/" + name,
                     std::ios::binary);
  EXPECT_TRUE(file.good()) << name;
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

absl::StatusOr<CosePublicKey> Key(const std::string& name) {
  absl::StatusOr<CborItem> item = DecodeCbor(Seed(name), 1024);
  if (!item.ok()) return item.status();
  return CosePublicKey::FromCoseKey(item->get());
}

TEST(IndependentVectorsTest, CoseKeys) {
  absl::StatusOr<CosePublicKey> es256 = Key("cose_es256");
  ASSERT_THAT(es256, IsOk());
  EXPECT_EQ(es256->algorithm(), CoseAlgorithm::kEs256);
  absl::StatusOr<CosePublicKey> eddsa = Key("cose_eddsa");
  ASSERT_THAT(eddsa, IsOk());
  EXPECT_EQ(eddsa->algorithm(), CoseAlgorithm::kEdDsa);
}

TEST(IndependentVectorsTest, AuthenticatorData) {
  absl::StatusOr<AuthenticatorData> with_extensions =
      ParseAuthenticatorData(Seed("authdata_eddsa_ext"));
  ASSERT_THAT(with_extensions, IsOk());
  ASSERT_TRUE(with_extensions->attested_credential.has_value());
  EXPECT_EQ(with_extensions->attested_credential->credential_id, "id");
  EXPECT_EQ(with_extensions->sign_count, 1u);
  absl::StatusOr<AuthenticatorData> assertion = ParseAuthenticatorData(Seed("authdata_assertion"));
  ASSERT_THAT(assertion, IsOk());
  EXPECT_EQ(assertion->sign_count, 7u);
}

TEST(IndependentVectorsTest, AttestationObjects) {
  const std::string challenge(32, 'c');
  const Ceremony ceremony{"localhost", {"http://localhost:8080"}, challenge};
  const std::string client_data =
      testing::ClientDataJson("webauthn.create", challenge, "http://localhost:8080");
  absl::StatusOr<RegisteredCredential> none =
      VerifyRegistration(ceremony, Seed("attestation_none_es256"), client_data);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->credential_id, std::string(16, '\xc1'));
  // A "packed" statement is ignored (see relying_party.h); flags 0x5d: UP, UV, BE, BS, AT.
  absl::StatusOr<RegisteredCredential> packed =
      VerifyRegistration(ceremony, Seed("attestation_packed_eddsa"), client_data);
  ASSERT_THAT(packed, IsOk());
  EXPECT_TRUE(packed->backed_up);
  // The same object for another RP ID is refused.
  EXPECT_THAT(VerifyRegistration({"example.com", ceremony.origins, challenge},
                                 Seed("attestation_none_es256"), client_data),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace auth::webauthn
