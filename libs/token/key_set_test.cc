#include "libs/token/key_set.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/internal/base64url.h"
#include "libs/token/key.h"
#include "nlohmann/json.hpp"

namespace auth::token {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// RFC 8037 Appendix A.1-A.4.
constexpr char kRfc8037D[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr char kRfc8037X[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr char kRfc8037SigningInput[] = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr char kRfc8037Signature[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// The same key as PKCS#8 / SubjectPublicKeyInfo PEM, as `openssl pkey` writes them.
constexpr char kRfc8037PrivatePem[] = R"(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
)";
constexpr char kRfc8037PublicPem[] = R"(-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
-----END PUBLIC KEY-----
)";

// A throwaway P-256 key: a valid PEM private key of the wrong type.
constexpr char kP256PrivatePem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgt+iXLum5r3QfnIJL
6pgO7IoMcVanD94o9Y4skYwXDYOhRANCAASo7wmvJrLsusbo2aYoqgCs/WwLKgHj
nPFsNepnOs18r3ALwsiPW9LZ+31mAaRhpyi1z73F1BRUkCOTWyWF8ubb
-----END PRIVATE KEY-----
)";

std::string Decode(absl::string_view text) {
  absl::StatusOr<std::string> bytes = internal::Base64UrlDecode(text);
  EXPECT_THAT(bytes, IsOk());
  return bytes.value_or("");
}

Key Rfc8037Key() {
  absl::StatusOr<Key> key = Key::Ed25519FromSeed("rfc8037", Decode(kRfc8037D));
  EXPECT_THAT(key, IsOk());
  return *std::move(key);
}

std::string WriteTempFile(const std::string& name, const std::string& contents) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(KeyTest, Rfc8037PublicKeyMatchesX) {
  ASSERT_OK_AND_ASSIGN(std::string x, Rfc8037Key().PublicKeyBytes());
  EXPECT_EQ(internal::Base64UrlEncode(x), kRfc8037X);
}

TEST(KeyTest, Rfc8037SignatureIsReproducedExactly) {
  // Ed25519 is deterministic, so our signer must produce the RFC's bytes.
  ASSERT_OK_AND_ASSIGN(std::string signature, Rfc8037Key().Sign(kRfc8037SigningInput));
  EXPECT_EQ(internal::Base64UrlEncode(signature), kRfc8037Signature);
}

TEST(KeyTest, Rfc8037SignatureVerifiesWithThePublicKeyOnly) {
  ASSERT_OK_AND_ASSIGN(Key key, Key::Ed25519FromPublicBytes("rfc8037", Decode(kRfc8037X)));
  EXPECT_FALSE(key.can_sign());
  EXPECT_EQ(key.algorithm(), Algorithm::kEdDSA);
  std::string signature = Decode(kRfc8037Signature);
  EXPECT_TRUE(key.Verify(kRfc8037SigningInput, signature));
  EXPECT_FALSE(key.Verify(std::string(kRfc8037SigningInput) + "x", signature));
  std::string flipped = signature;
  flipped[10] ^= 0x01;
  EXPECT_FALSE(key.Verify(kRfc8037SigningInput, flipped));
  EXPECT_FALSE(key.Verify(kRfc8037SigningInput, signature.substr(0, 63)));
  EXPECT_FALSE(key.Verify(kRfc8037SigningInput, ""));
  EXPECT_THAT(key.Sign("x"), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(KeyTest, RejectsWrongRawKeySizes) {
  EXPECT_THAT(Key::Ed25519FromSeed("k", std::string(31, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Key::Ed25519FromPublicBytes("k", std::string(33, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KeyTest, Hs256RequiresA32ByteSecret) {
  EXPECT_THAT(Key::Hs256("k", std::string(31, 's')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes")));
  ASSERT_OK_AND_ASSIGN(Key key, Key::Hs256("k", std::string(32, 's')));
  EXPECT_TRUE(key.can_sign());
  EXPECT_EQ(key.algorithm(), Algorithm::kHS256);
  ASSERT_OK_AND_ASSIGN(std::string mac, key.Sign("input"));
  EXPECT_EQ(mac.size(), 32u);
  EXPECT_TRUE(key.Verify("input", mac));
  EXPECT_FALSE(key.Verify("inpuT", mac));
  EXPECT_FALSE(key.Verify("input", mac.substr(1)));
  EXPECT_THAT(key.PublicKeyBytes(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(KeyTest, RejectsBadKeyIds) {
  for (const std::string& kid : {std::string(""), std::string(129, 'a'), std::string("a b"),
                                 std::string("a\"b"), std::string("a/b")}) {
    EXPECT_THAT(Key::Hs256(kid, std::string(32, 's')), StatusIs(absl::StatusCode::kInvalidArgument))
        << kid;
  }
  EXPECT_THAT(Key::Hs256("2024-06_v1.a:b", std::string(32, 's')), IsOk());
}

TEST(KeyTest, PemRoundTrip) {
  ASSERT_OK_AND_ASSIGN(Key generated, Key::GenerateEd25519("gen"));
  ASSERT_OK_AND_ASSIGN(std::string private_pem, generated.PrivateKeyPem());
  ASSERT_OK_AND_ASSIGN(std::string public_pem, generated.PublicKeyPem());
  EXPECT_THAT(private_pem, StartsWith("-----BEGIN PRIVATE KEY-----"));
  EXPECT_THAT(public_pem, StartsWith("-----BEGIN PUBLIC KEY-----"));

  ASSERT_OK_AND_ASSIGN(Key from_private, Key::Ed25519FromPrivatePem("gen", private_pem));
  ASSERT_OK_AND_ASSIGN(Key from_public, Key::Ed25519FromPublicPem("gen", public_pem));
  EXPECT_TRUE(from_private.can_sign());
  EXPECT_FALSE(from_public.can_sign());
  EXPECT_EQ(from_private.PublicKeyBytes().value(), generated.PublicKeyBytes().value());
  EXPECT_EQ(from_public.PublicKeyBytes().value(), generated.PublicKeyBytes().value());

  ASSERT_OK_AND_ASSIGN(std::string signature, from_private.Sign("message"));
  EXPECT_TRUE(from_public.Verify("message", signature));
  EXPECT_TRUE(generated.Verify("message", signature));
}

TEST(KeyTest, ReadsStandardPemFiles) {
  ASSERT_OK_AND_ASSIGN(Key from_private, Key::Ed25519FromPrivatePem("rfc", kRfc8037PrivatePem));
  ASSERT_OK_AND_ASSIGN(Key from_public, Key::Ed25519FromPublicPem("rfc", kRfc8037PublicPem));
  EXPECT_EQ(internal::Base64UrlEncode(from_private.PublicKeyBytes().value()), kRfc8037X);
  EXPECT_EQ(internal::Base64UrlEncode(from_public.PublicKeyBytes().value()), kRfc8037X);
  ASSERT_OK_AND_ASSIGN(std::string signature, from_private.Sign(kRfc8037SigningInput));
  EXPECT_EQ(internal::Base64UrlEncode(signature), kRfc8037Signature);
  EXPECT_EQ(from_public.PublicKeyPem().value(), kRfc8037PublicPem);
}

TEST(KeyTest, GeneratedKeysDiffer) {
  ASSERT_OK_AND_ASSIGN(Key a, Key::GenerateEd25519("a"));
  ASSERT_OK_AND_ASSIGN(Key b, Key::GenerateEd25519("b"));
  EXPECT_NE(a.PublicKeyBytes().value(), b.PublicKeyBytes().value());
}

TEST(KeyTest, RejectsBadPem) {
  ASSERT_OK_AND_ASSIGN(std::string public_pem, Rfc8037Key().PublicKeyPem());
  EXPECT_THAT(Key::Ed25519FromPrivatePem("k", public_pem),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Key::Ed25519FromPrivatePem("k", "garbage"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Key::Ed25519FromPublicPem("k", ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Key::Ed25519FromPrivatePem("k", kP256PrivatePem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an Ed25519 key")));
}

TEST(KeySetTest, FindsKeysByKid) {
  ASSERT_OK_AND_ASSIGN(Key old_key, Key::Ed25519FromPublicBytes("old", Decode(kRfc8037X)));
  ASSERT_OK_AND_ASSIGN(Key hmac, Key::Hs256("hmac", std::string(32, 's')));
  ASSERT_OK_AND_ASSIGN(KeySet keys, KeySet::Create(Rfc8037Key(), {old_key, hmac}));
  ASSERT_NE(keys.signing_key(), nullptr);
  EXPECT_EQ(keys.signing_key()->kid(), "rfc8037");
  ASSERT_NE(keys.Find("old"), nullptr);
  EXPECT_EQ(keys.Find("old")->kid(), "old");
  ASSERT_NE(keys.Find("hmac"), nullptr);
  EXPECT_EQ(keys.Find("hmac")->algorithm(), Algorithm::kHS256);
  EXPECT_EQ(keys.Find("missing"), nullptr);
  EXPECT_EQ(keys.keys().size(), 3u);
}

TEST(KeySetTest, VerifyOnlySetHasNoSigningKey) {
  ASSERT_OK_AND_ASSIGN(Key public_key, Key::Ed25519FromPublicBytes("pub", Decode(kRfc8037X)));
  ASSERT_OK_AND_ASSIGN(KeySet keys, KeySet::Create(std::nullopt, {public_key}));
  EXPECT_EQ(keys.signing_key(), nullptr);
  EXPECT_NE(keys.Find("pub"), nullptr);
}

TEST(KeySetTest, CreateRejectsInvalidSets) {
  ASSERT_OK_AND_ASSIGN(Key public_key, Key::Ed25519FromPublicBytes("pub", Decode(kRfc8037X)));
  EXPECT_THAT(KeySet::Create(std::nullopt, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(KeySet::Create(public_key, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot sign")));
  ASSERT_OK_AND_ASSIGN(Key same_kid, Key::Hs256("rfc8037", std::string(32, 's')));
  EXPECT_THAT(KeySet::Create(Rfc8037Key(), {same_kid}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate")));
}

TEST(KeySetTest, LoadsFromFiles) {
  ASSERT_OK_AND_ASSIGN(Key current, Key::GenerateEd25519("current"));
  ASSERT_OK_AND_ASSIGN(Key previous, Key::GenerateEd25519("previous"));
  std::string signing_path = WriteTempFile("current.pem", current.PrivateKeyPem().value());
  std::string previous_path = WriteTempFile("previous.pub.pem", previous.PublicKeyPem().value());

  ASSERT_OK_AND_ASSIGN(KeySet keys,
                       KeySet::FromFiles(signing_path, "current", {{"previous", previous_path}}));
  ASSERT_NE(keys.signing_key(), nullptr);
  EXPECT_EQ(keys.signing_key()->kid(), "current");
  EXPECT_EQ(keys.signing_key()->PublicKeyBytes().value(), current.PublicKeyBytes().value());
  ASSERT_NE(keys.Find("previous"), nullptr);
  EXPECT_FALSE(keys.Find("previous")->can_sign());
  EXPECT_EQ(keys.Find("previous")->PublicKeyBytes().value(), previous.PublicKeyBytes().value());
}

TEST(KeySetTest, LoadsHs256SecretsAndVerifyOnlySets) {
  std::string secret(40, 'k');
  std::string secret_path = WriteTempFile("hs256.key", secret);
  ASSERT_OK_AND_ASSIGN(
      KeySet keys, KeySet::FromFiles(KeySet::KeyFile{"hs", secret_path, Algorithm::kHS256}, {}));
  ASSERT_NE(keys.signing_key(), nullptr);
  ASSERT_OK_AND_ASSIGN(Key expected, Key::Hs256("hs", secret));
  EXPECT_EQ(keys.signing_key()->Sign("x").value(), expected.Sign("x").value());

  ASSERT_OK_AND_ASSIGN(
      KeySet verify_only,
      KeySet::FromFiles(KeySet::KeyFile{}, {{"hs", secret_path, Algorithm::kHS256}}));
  EXPECT_EQ(verify_only.signing_key(), nullptr);
  EXPECT_NE(verify_only.Find("hs"), nullptr);
}

TEST(KeySetTest, FileErrorsNameTheFileButNoKeyMaterial) {
  std::string short_secret = "short-secret-value";
  std::string short_path = WriteTempFile("short.key", short_secret);
  absl::StatusOr<KeySet> keys =
      KeySet::FromFiles(KeySet::KeyFile{"hs", short_path, Algorithm::kHS256}, {});
  EXPECT_THAT(keys, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(short_path)));
  EXPECT_THAT(std::string(keys.status().message()), Not(HasSubstr(short_secret)));

  EXPECT_THAT(KeySet::FromFiles("/nonexistent/key.pem", "k"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/key.pem")));

  // A public key where a private one is needed.
  std::string public_path = WriteTempFile("only.pub.pem", Rfc8037Key().PublicKeyPem().value());
  EXPECT_THAT(KeySet::FromFiles(public_path, "k"), StatusIs(absl::StatusCode::kInvalidArgument));
}

// RFC 8037 appendix A.3: the JWK thumbprint of the appendix's key.
TEST(KeySetTest, ThumbprintIsRfc8037AppendixA3) {
  EXPECT_THAT(KeySet::Thumbprint(Rfc8037Key()),
              IsOkAndHolds(std::string("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")));
  absl::StatusOr<Key> hs256 = Key::Hs256("hs", std::string(32, 'k'));
  ASSERT_THAT(hs256, IsOk());
  EXPECT_THAT(KeySet::Thumbprint(*hs256), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(KeySetTest, AnEmptyKidIsTheThumbprint) {
  std::string private_path = WriteTempFile("rfc8037.pem", kRfc8037PrivatePem);
  std::string public_path = WriteTempFile("rfc8037.pub.pem", kRfc8037PublicPem);
  absl::StatusOr<KeySet> keys =
      KeySet::FromFiles(KeySet::KeyFile{"", private_path, Algorithm::kEdDSA},
                        {KeySet::KeyFile{"old", public_path, Algorithm::kEdDSA}});
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->signing_key()->kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  absl::StatusOr<KeySet> verify_only =
      KeySet::FromFiles(KeySet::KeyFile{}, {KeySet::KeyFile{"", public_path, Algorithm::kEdDSA}});
  ASSERT_THAT(verify_only, IsOk());
  EXPECT_NE(verify_only->Find("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"), nullptr);
  std::string secret_path = WriteTempFile("unnamed-hs256.key", std::string(32, 's'));
  EXPECT_THAT(KeySet::FromFiles(KeySet::KeyFile{"", secret_path, Algorithm::kHS256}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a key id")));
}

TEST(KeySetTest, EphemeralKeysAreFreshSigningKeys) {
  KeySet a = KeySet::GenerateEphemeral();
  KeySet b = KeySet::GenerateEphemeral();
  ASSERT_NE(a.signing_key(), nullptr);
  ASSERT_NE(b.signing_key(), nullptr);
  EXPECT_EQ(a.signing_key()->algorithm(), Algorithm::kEdDSA);
  EXPECT_THAT(a.signing_key()->kid(), StartsWith("ephemeral-"));
  EXPECT_NE(a.signing_key()->kid(), b.signing_key()->kid());
  EXPECT_NE(a.signing_key()->PublicKeyBytes().value(), b.signing_key()->PublicKeyBytes().value());
}

TEST(KeySetTest, JwksHasPublicEd25519KeysOnly) {
  ASSERT_OK_AND_ASSIGN(Key previous, Key::GenerateEd25519("previous"));
  std::string secret = "an-hs256-secret-that-is-long-enough-to-use";
  ASSERT_OK_AND_ASSIGN(Key hmac, Key::Hs256("hmac", secret));
  ASSERT_OK_AND_ASSIGN(KeySet keys, KeySet::Create(Rfc8037Key(), {previous, hmac}));

  std::string jwks_text = keys.ToJwks();
  EXPECT_THAT(jwks_text, Not(HasSubstr(secret)));
  EXPECT_THAT(jwks_text, Not(HasSubstr(internal::Base64UrlEncode(secret))));
  EXPECT_THAT(jwks_text, Not(HasSubstr(kRfc8037D)));
  nlohmann::json jwks = nlohmann::json::parse(jwks_text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(jwks.is_discarded());
  ASSERT_TRUE(jwks["keys"].is_array());
  ASSERT_EQ(jwks["keys"].size(), 2u);

  const nlohmann::json& first = jwks["keys"][0];
  EXPECT_EQ(first["kty"], "OKP");
  EXPECT_EQ(first["crv"], "Ed25519");
  EXPECT_EQ(first["x"], kRfc8037X);
  EXPECT_EQ(first["kid"], "rfc8037");
  EXPECT_EQ(first["alg"], "EdDSA");
  EXPECT_EQ(first["use"], "sig");
  EXPECT_FALSE(first.contains("d"));
  EXPECT_EQ(first.size(), 6u);

  const nlohmann::json& second = jwks["keys"][1];
  EXPECT_EQ(second["kid"], "previous");
  EXPECT_EQ(second["x"], internal::Base64UrlEncode(previous.PublicKeyBytes().value()));
}

}  // namespace
}  // namespace auth::token
