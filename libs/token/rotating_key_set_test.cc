#include "libs/token/rotating_key_set.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/jwt.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"

namespace auth::token {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

constexpr absl::Duration kPublishDelay = absl::Minutes(10);
constexpr absl::Duration kRetiredKeyLifetime = absl::Minutes(16);

Key NewKey(const std::string& kid) {
  absl::StatusOr<Key> key = Key::GenerateEd25519(kid);
  EXPECT_THAT(key, IsOk());
  return *std::move(key);
}

KeySet SetOf(const Key& signing, std::vector<Key> verify_only = {}) {
  absl::StatusOr<KeySet> keys = KeySet::Create(signing, std::move(verify_only));
  EXPECT_THAT(keys, IsOk());
  return *std::move(keys);
}

class RotatingKeySetTest : public ::testing::Test {
 protected:
  RotatingKeySetOptions Options() {
    RotatingKeySetOptions options;
    options.publish_delay = kPublishDelay;
    options.retired_key_lifetime = kRetiredKeyLifetime;
    options.clock = [this] { return now_; };
    return options;
  }

  std::string SignerKid(const RotatingKeySet& keys) { return keys.Current()->signing_key()->kid(); }
  bool Accepts(const RotatingKeySet& keys, const std::string& kid) {
    return keys.Current()->Find(kid) != nullptr;
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  const Key old_ = NewKey("old");
  const Key new_ = NewKey("new");
};

TEST_F(RotatingKeySetTest, TheInitialKeySignsAtOnce) {
  RotatingKeySet keys(SetOf(old_), Options());
  EXPECT_EQ(SignerKid(keys), "old");
  EXPECT_EQ(keys.PendingKid(), std::nullopt);
}

TEST_F(RotatingKeySetTest, ANewKeyIsPublishedFirstAndSignsAfterTheDelay) {
  RotatingKeySet keys(SetOf(old_), Options());
  ASSERT_THAT(keys.Reload(SetOf(new_)), IsOk());
  // Published (JWKS, verifiers) at once; the old key still signs.
  EXPECT_EQ(SignerKid(keys), "old");
  EXPECT_TRUE(Accepts(keys, "new"));
  EXPECT_THAT(keys.Current()->ToJwks(), HasSubstr(R"("kid":"new")"));
  EXPECT_THAT(keys.PendingKid(), Optional(std::string("new")));

  now_ += kPublishDelay - absl::Seconds(1);
  EXPECT_EQ(SignerKid(keys), "old");
  now_ += absl::Seconds(1);
  EXPECT_EQ(SignerKid(keys), "new");
  EXPECT_EQ(keys.PendingKid(), std::nullopt);
  // The new set does not list the old key, yet it is accepted until its tokens have expired.
  EXPECT_TRUE(Accepts(keys, "old"));
  now_ += kRetiredKeyLifetime - absl::Seconds(1);
  EXPECT_TRUE(Accepts(keys, "old"));
  now_ += absl::Seconds(1);
  EXPECT_FALSE(Accepts(keys, "old"));
  EXPECT_THAT(keys.Current()->ToJwks(), Not(HasSubstr(R"("kid":"old")")));
}

TEST_F(RotatingKeySetTest, TokensOfThePreviousKeyStayValidUntilTheyExpire) {
  auto keys = std::make_shared<RotatingKeySet>(SetOf(old_), Options());
  JwtOptions issuer_options{"auth", "api", absl::Minutes(15), [this] { return now_; }};
  JwtVerifierOptions verifier_options;
  verifier_options.issuer = "auth";
  verifier_options.audience = "api";
  verifier_options.clock = [this] { return now_; };
  JwtIssuer issuer(keys, issuer_options);
  JwtVerifier verifier(keys, verifier_options);

  ASSERT_THAT(keys->Reload(SetOf(new_)), IsOk());
  now_ += kPublishDelay - absl::Seconds(1);
  // Signed by the old key one second before the switch: the longest-lived old-key token.
  absl::StatusOr<IssuedToken> last_old = issuer.Issue("42");
  ASSERT_THAT(last_old, IsOk());
  EXPECT_EQ(last_old->claims.key_id, "old");
  now_ += absl::Seconds(1);
  absl::StatusOr<IssuedToken> first_new = issuer.Issue("42");
  ASSERT_THAT(first_new, IsOk());
  EXPECT_EQ(first_new->claims.key_id, "new");

  now_ += absl::Minutes(15) - absl::Seconds(2);
  EXPECT_THAT(verifier.Verify(last_old->token), IsOk());
  EXPECT_THAT(verifier.Verify(first_new->token), IsOk());
  // Past its exp plus the leeway, it fails as expired, like any token.
  now_ += absl::Seconds(31);
  EXPECT_THAT(verifier.Verify(last_old->token),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST_F(RotatingKeySetTest, AReloadOfThePendingKeyDoesNotRestartItsDelay) {
  RotatingKeySet keys(SetOf(old_), Options());
  ASSERT_THAT(keys.Reload(SetOf(new_)), IsOk());
  now_ += kPublishDelay / 2;
  ASSERT_THAT(keys.Reload(SetOf(new_, {old_})), IsOk());
  now_ += kPublishDelay / 2;
  EXPECT_EQ(SignerKid(keys), "new");
}

TEST_F(RotatingKeySetTest, AnotherKeyReplacesThePendingOneWithItsOwnDelay) {
  RotatingKeySet keys(SetOf(old_), Options());
  ASSERT_THAT(keys.Reload(SetOf(new_)), IsOk());
  now_ += kPublishDelay / 2;
  ASSERT_THAT(keys.Reload(SetOf(NewKey("newer"))), IsOk());
  EXPECT_FALSE(Accepts(keys, "new"));  // never signed anything
  now_ += kPublishDelay / 2;
  EXPECT_EQ(SignerKid(keys), "old");
  now_ += kPublishDelay / 2;
  EXPECT_EQ(SignerKid(keys), "newer");
}

TEST_F(RotatingKeySetTest, TheSameSignerWithOtherVerifyKeysTakesEffectAtOnce) {
  RotatingKeySet keys(SetOf(old_, {NewKey("older")}), Options());
  ASSERT_THAT(keys.Reload(SetOf(old_, {NewKey("extra")})), IsOk());
  EXPECT_EQ(SignerKid(keys), "old");
  EXPECT_TRUE(Accepts(keys, "extra"));
  EXPECT_FALSE(Accepts(keys, "older"));  // dropped by the operator: gone at once
  EXPECT_EQ(keys.PendingKid(), std::nullopt);
}

TEST_F(RotatingKeySetTest, AZeroDelaySignsAtOnce) {
  RotatingKeySetOptions options = Options();
  options.publish_delay = absl::ZeroDuration();
  RotatingKeySet keys(SetOf(old_), options);
  ASSERT_THAT(keys.Reload(SetOf(new_)), IsOk());
  EXPECT_EQ(SignerKid(keys), "new");
  EXPECT_TRUE(Accepts(keys, "old"));
}

TEST_F(RotatingKeySetTest, BadReloadsKeepTheKeysInForce) {
  RotatingKeySet keys(SetOf(old_), Options());
  absl::StatusOr<KeySet> verify_only = KeySet::Create(std::nullopt, {new_});
  ASSERT_THAT(verify_only, IsOk());
  EXPECT_THAT(keys.Reload(*std::move(verify_only)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no signing key")));
  // "old" now names another key: JWKS caches would keep the first one under that kid.
  EXPECT_THAT(keys.Reload(SetOf(NewKey("old"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key id old")));
  EXPECT_THAT(keys.Reload(SetOf(new_, {NewKey("old")})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key id old")));
  EXPECT_EQ(SignerKid(keys), "old");
  EXPECT_FALSE(Accepts(keys, "new"));
  EXPECT_EQ(keys.PendingKid(), std::nullopt);
  // The same key under its kid is fine (an unchanged file reloaded).
  EXPECT_THAT(keys.Reload(SetOf(old_)), IsOk());
}

TEST_F(RotatingKeySetTest, ARevokedSignerIsDroppedAndItsSuccessorSignsAtOnce) {
  auto keys = std::make_shared<RotatingKeySet>(SetOf(old_), Options());
  JwtOptions issuer_options{"auth", "api", absl::Minutes(15), [this] { return now_; }};
  JwtVerifierOptions verifier_options;
  verifier_options.issuer = "auth";
  verifier_options.audience = "api";
  verifier_options.clock = [this] { return now_; };
  JwtIssuer issuer(keys, issuer_options);
  JwtVerifier verifier(keys, verifier_options);
  absl::StatusOr<IssuedToken> stolen = issuer.Issue("42");
  ASSERT_THAT(stolen, IsOk());

  ASSERT_THAT(keys->Reload(SetOf(new_, {old_}), {"old"}), IsOk());
  EXPECT_EQ(SignerKid(*keys), "new");
  EXPECT_EQ(keys->PendingKid(), std::nullopt);
  EXPECT_FALSE(Accepts(*keys, "old"));  // even though the new set still lists it
  EXPECT_THAT(keys->Current()->ToJwks(), Not(HasSubstr(R"("kid":"old")")));
  EXPECT_THAT(verifier.Verify(stolen->token), StatusIs(absl::StatusCode::kUnauthenticated));
  absl::StatusOr<IssuedToken> fresh = issuer.Issue("42");
  ASSERT_THAT(fresh, IsOk());
  EXPECT_EQ(fresh->claims.key_id, "new");
  EXPECT_THAT(verifier.Verify(fresh->token), IsOk());
}

TEST_F(RotatingKeySetTest, ARevokedRetiredKeyIsDroppedBeforeItsTime) {
  RotatingKeySet keys(SetOf(old_), Options());
  ASSERT_THAT(keys.Reload(SetOf(new_)), IsOk());
  now_ += kPublishDelay;
  ASSERT_EQ(SignerKid(keys), "new");
  ASSERT_TRUE(Accepts(keys, "old"));  // retired, still accepted
  ASSERT_THAT(keys.Reload(SetOf(new_), {"old"}), IsOk());
  EXPECT_FALSE(Accepts(keys, "old"));
  EXPECT_EQ(SignerKid(keys), "new");
}

TEST_F(RotatingKeySetTest, AReloadWhoseSignerIsRevokedIsRefused) {
  RotatingKeySet keys(SetOf(old_), Options());
  EXPECT_THAT(keys.Reload(SetOf(old_), {"old"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("old is revoked")));
  EXPECT_EQ(SignerKid(keys), "old");
  EXPECT_TRUE(Accepts(keys, "old"));
}

}  // namespace
}  // namespace auth::token
