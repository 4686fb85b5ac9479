#include "libs/token/caching_token_verifier.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/jwt.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "libs/token/token.h"
#include "libs/token/token_digest.h"
#include "libs/token/token_mock.h"

namespace auth::token {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::_;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Le;
using ::testing::Return;
using ::testing::StrictMock;

constexpr int64_t kStart = 1700000000;

// Equal claims, field by field (TokenClaims has no operator==).
MATCHER_P(ClaimsAre, expected, "") {
  return arg.issuer == expected.issuer && arg.audience == expected.audience &&
         arg.subject == expected.subject && arg.jwt_id == expected.jwt_id &&
         arg.issued_at == expected.issued_at && arg.not_before == expected.not_before &&
         arg.expires_at == expected.expires_at && arg.key_id == expected.key_id;
}

// An OK StatusOr<TokenClaims> whose claims equal `expected`.
MATCHER_P(HoldsClaims, expected, "") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(ClaimsAre(expected), *arg, result_listener);
}

TokenClaims MakeClaims(absl::string_view subject, absl::Time issued_at,
                       absl::Duration lifetime = absl::Minutes(15)) {
  TokenClaims claims;
  claims.issuer = "auth";
  claims.audience = "api";
  claims.subject = std::string(subject);
  claims.jwt_id = absl::StrCat("jti-", subject);
  claims.issued_at = issued_at;
  claims.not_before = issued_at;
  claims.expires_at = issued_at + lifetime;
  claims.key_id = "k1";
  return claims;
}

class CachingTokenVerifierTest : public ::testing::Test {
 protected:
  std::function<absl::Time()> clock() {
    return [this] { return now_; };
  }

  absl::Time now_ = absl::FromUnixSeconds(kStart);
  StrictMock<MockTokenVerifier> inner_;
};

TEST_F(CachingTokenVerifierTest, SecondVerifyOfSameTokenDoesNotCallInner) {
  CachingTokenVerifier cache(inner_, 100, clock());
  const TokenClaims claims = MakeClaims("1", now_);
  EXPECT_CALL(inner_, Verify(Eq("token-a"))).WillOnce(Return(claims));

  EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(claims));
  now_ += absl::Minutes(5);
  EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(claims));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(CachingTokenVerifierTest, PrehashedVerifySharesTheCacheWithVerify) {
  CachingTokenVerifier cache(inner_, 100, clock());
  const TokenClaims claims = MakeClaims("1", now_);
  EXPECT_CALL(inner_, Verify(Eq("token-a"))).WillOnce(Return(claims));

  EXPECT_THAT(cache.VerifyPrehashed("token-a", DigestToken("token-a")), HoldsClaims(claims));
  EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(claims));
  EXPECT_THAT(cache.VerifyPrehashed("token-a", DigestToken("token-a")), HoldsClaims(claims));
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST_F(CachingTokenVerifierTest, DifferentTokenCallsInner) {
  CachingTokenVerifier cache(inner_, 100, clock());
  const TokenClaims a = MakeClaims("1", now_);
  const TokenClaims b = MakeClaims("2", now_);
  EXPECT_CALL(inner_, Verify(Eq("token-a"))).WillOnce(Return(a));
  EXPECT_CALL(inner_, Verify(Eq("token-b"))).WillOnce(Return(b));

  EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(a));
  EXPECT_THAT(cache.Verify("token-b"), HoldsClaims(b));
  EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(a));
  EXPECT_THAT(cache.Verify("token-b"), HoldsClaims(b));
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST_F(CachingTokenVerifierTest, InnerFailureIsReturnedUnchangedAndNotCached) {
  CachingTokenVerifier cache(inner_, 100, clock());
  EXPECT_CALL(inner_, Verify(Eq("forged")))
      .Times(2)
      .WillRepeatedly(Return(absl::UnauthenticatedError("token rejected: bad signature")));

  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(cache.Verify("forged"),
                StatusIs(absl::StatusCode::kUnauthenticated, Eq("token rejected: bad signature")));
  }
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.hits(), 0u);
}

TEST_F(CachingTokenVerifierTest, NonAuthErrorIsPassedThrough) {
  CachingTokenVerifier cache(inner_, 100, clock());
  EXPECT_CALL(inner_, Verify(Eq("t"))).WillOnce(Return(absl::InternalError("boom")));
  EXPECT_THAT(cache.Verify("t"), StatusIs(absl::StatusCode::kInternal, Eq("boom")));
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(CachingTokenVerifierTest, EntryPastExpiryGoesBackToInner) {
  CachingTokenVerifier cache(inner_, 100, clock());
  const TokenClaims claims = MakeClaims("1", now_);
  EXPECT_CALL(inner_, Verify(Eq("token-a")))
      .WillOnce(Return(claims))
      .WillOnce(Return(absl::UnauthenticatedError("token rejected: token expired (exp)")));

  ASSERT_THAT(cache.Verify("token-a"), IsOk());
  now_ = claims.expires_at - absl::Seconds(1);
  EXPECT_THAT(cache.Verify("token-a"), IsOk());  // still a hit
  EXPECT_EQ(cache.hits(), 1u);
  now_ = claims.expires_at;  // exp itself is already too late
  EXPECT_THAT(cache.Verify("token-a"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.size(), 0u);  // the dead entry was dropped
}

TEST_F(CachingTokenVerifierTest, GracePeriodSuccessIsReturnedButNotCached) {
  // An inner verifier with leeway still accepts a token just past exp; the cache must not.
  CachingTokenVerifier cache(inner_, 100, clock());
  const TokenClaims claims = MakeClaims("1", now_ - absl::Minutes(15));  // exp == now
  EXPECT_CALL(inner_, Verify(Eq("token-a"))).Times(2).WillRepeatedly(Return(claims));

  EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(claims));
  EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(claims));
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(CachingTokenVerifierTest, NotYetValidEntryIsNotAHitUntilItsTime) {
  // A replica whose clock runs ahead issued it; the inner verifier accepted it within leeway.
  CachingTokenVerifier cache(inner_, 100, clock());
  const TokenClaims claims = MakeClaims("1", now_ + absl::Seconds(10));
  EXPECT_CALL(inner_, Verify(Eq("token-a"))).Times(2).WillRepeatedly(Return(claims));

  EXPECT_THAT(cache.Verify("token-a"), IsOk());
  EXPECT_THAT(cache.Verify("token-a"), IsOk());  // nbf > now: inner again
  EXPECT_EQ(cache.hits(), 0u);
  now_ += absl::Seconds(10);
  EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(claims));
  EXPECT_EQ(cache.hits(), 1u);
}

TEST_F(CachingTokenVerifierTest, RememberedTokenIsAHit) {
  CachingTokenVerifier cache(inner_, 100, clock());
  const TokenClaims claims = MakeClaims("7", now_);
  cache.Remember("fresh", claims);  // inner_ has no expectations: any call fails the test

  EXPECT_THAT(cache.Verify("fresh"), HoldsClaims(claims));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 0u);
}

TEST_F(CachingTokenVerifierTest, RememberIgnoresExpiredClaims) {
  CachingTokenVerifier cache(inner_, 100, clock());
  cache.Remember("old", MakeClaims("7", now_ - absl::Hours(1)));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_CALL(inner_, Verify(Eq("old")))
      .WillOnce(Return(absl::UnauthenticatedError("token rejected: token expired (exp)")));
  EXPECT_THAT(cache.Verify("old"), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(CachingTokenVerifierTest, CapacityIsRespected) {
  constexpr std::size_t kCapacity = 64;
  CachingTokenVerifier cache(inner_, kCapacity, clock());
  EXPECT_CALL(inner_, Verify(_)).WillRepeatedly(Invoke([this](absl::string_view token) {
    return absl::StatusOr<TokenClaims>(MakeClaims(token, now_));
  }));
  for (std::size_t i = 0; i < kCapacity + 100; ++i) {
    std::string token = absl::StrCat("token-", i);
    ASSERT_THAT(cache.Verify(token), IsOk());
    ASSERT_THAT(cache.size(), Le(kCapacity));
  }
  for (std::size_t i = 0; i < kCapacity + 100; ++i) {
    cache.Remember(absl::StrCat("remembered-", i), MakeClaims("r", now_));
    ASSERT_THAT(cache.size(), Le(kCapacity));
  }
  EXPECT_GT(cache.size(), 0u);
}

TEST_F(CachingTokenVerifierTest, FullShardDropsExpiredEntriesFirst) {
  // One shard, so which entries compete for room is known.
  CachingTokenVerifier cache(inner_, 16, clock(), /*shards=*/1);
  for (int i = 0; i < 8; ++i) {
    cache.Remember(absl::StrCat("short-", i), MakeClaims("s", now_, absl::Minutes(1)));
    cache.Remember(absl::StrCat("long-", i), MakeClaims("l", now_, absl::Hours(1)));
  }
  ASSERT_EQ(cache.size(), 16u);
  now_ += absl::Minutes(2);  // the short ones are dead now

  cache.Remember("newcomer", MakeClaims("n", now_));
  EXPECT_EQ(cache.size(), 9u);  // 8 expired dropped, no live entry evicted
  for (int i = 0; i < 8; ++i) {
    EXPECT_THAT(cache.Verify(absl::StrCat("long-", i)), IsOk());  // hits: inner_ not called
  }
  EXPECT_THAT(cache.Verify("newcomer"), IsOk());
  EXPECT_EQ(cache.hits(), 9u);
}

TEST_F(CachingTokenVerifierTest, FullShardOfLiveEntriesEvictsAnEighth) {
  CachingTokenVerifier cache(inner_, 16, clock(), /*shards=*/1);
  for (int i = 0; i < 16; ++i) cache.Remember(absl::StrCat("t-", i), MakeClaims("x", now_));
  ASSERT_EQ(cache.size(), 16u);
  cache.Remember("newcomer", MakeClaims("n", now_));
  EXPECT_EQ(cache.size(), 15u);  // 16 - 16/8 = 14 kept, plus the newcomer
  EXPECT_THAT(cache.Verify("newcomer"), IsOk());
}

TEST_F(CachingTokenVerifierTest, CapacityZeroAlwaysCallsInner) {
  CachingTokenVerifier cache(inner_, 0, clock());
  const TokenClaims claims = MakeClaims("1", now_);
  EXPECT_CALL(inner_, Verify(Eq("token-a"))).Times(3).WillRepeatedly(Return(claims));

  cache.Remember("token-a", claims);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(claims));
  }
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_EQ(cache.misses(), 3u);
}

TEST_F(CachingTokenVerifierTest, ClearForgetsEverything) {
  CachingTokenVerifier cache(inner_, 100, clock());
  cache.Remember("token-a", MakeClaims("1", now_));
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_CALL(inner_, Verify(Eq("token-a")))
      .WillOnce(Return(absl::UnauthenticatedError("token rejected: unknown kid")));
  EXPECT_THAT(cache.Verify("token-a"), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(CachingTokenVerifierTest, AVerdictReachedBeforeAClearIsNotStoredAfterIt) {
  CachingTokenVerifier cache(inner_, 100, clock());
  const TokenClaims claims = MakeClaims("1", now_);
  // A key reload (and its Clear()) while the inner verifier checks with the old keys.
  EXPECT_CALL(inner_, Verify(Eq("token-a")))
      .Times(2)
      .WillOnce(Invoke([&](absl::string_view) -> absl::StatusOr<TokenClaims> {
        cache.Clear();
        return claims;
      }))
      .WillOnce(Return(absl::UnauthenticatedError("token rejected: unknown kid")));
  EXPECT_THAT(cache.Verify("token-a"), HoldsClaims(claims));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_THAT(cache.Verify("token-a"), StatusIs(absl::StatusCode::kUnauthenticated));

  // A token signed before a Clear() and remembered after it is not remembered.
  const std::uint64_t before_signing = cache.generation();
  cache.Clear();
  cache.Remember("token-b", claims, before_signing);
  EXPECT_EQ(cache.size(), 0u);
  cache.Remember("token-b", claims, cache.generation());
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(CachingTokenVerifierTest, OversizedTokenBypassesTheCache) {
  CachingTokenVerifier cache(inner_, 100, clock());
  const std::string huge(CachingTokenVerifier::kMaxCachedTokenBytes + 1, 'x');
  const TokenClaims claims = MakeClaims("1", now_);
  EXPECT_CALL(inner_, Verify(Eq(huge))).Times(2).WillRepeatedly(Return(claims));
  cache.Remember(huge, claims);
  EXPECT_THAT(cache.Verify(huge), IsOk());
  EXPECT_THAT(cache.Verify(huge), IsOk());
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(CachingTokenVerifierTest, ConcurrentVerifiesReturnEachTokensOwnClaims) {
  // Fewer slots than tokens, so threads insert and evict in the same shards at once.
  constexpr int kTokens = 48;
  constexpr int kThreads = 4;
  constexpr int kRounds = 500;
  CachingTokenVerifier cache(inner_, 32, clock(), /*shards=*/4);
  EXPECT_CALL(inner_, Verify(_)).WillRepeatedly(Invoke([this](absl::string_view token) {
    return absl::StatusOr<TokenClaims>(MakeClaims(token, now_));
  }));

  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, &wrong, t] {
      for (int round = 0; round < kRounds; ++round) {
        std::string token = absl::StrCat("token-", (round * 7 + t * 13) % kTokens);
        absl::StatusOr<TokenClaims> claims = cache.Verify(token);
        if (!claims.ok() || claims->subject != token || claims->jwt_id != "jti-" + token) {
          ++wrong[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
  EXPECT_EQ(cache.hits() + cache.misses(), static_cast<uint64_t>(kThreads * kRounds));
  EXPECT_GT(cache.hits(), 0u);
  EXPECT_THAT(cache.size(), Le(32u));
}

// The real thing: a JWT signed by JwtIssuer, checked by JwtVerifier behind the cache.
TEST(CachingTokenVerifierJwtTest, RealTokenIsCachedAndTamperedTokenIsRejected) {
  absl::Time now = absl::FromUnixSeconds(kStart);
  auto clock = [&now] { return now; };
  absl::StatusOr<Key> key = Key::Ed25519FromSeed("current", std::string(32, '\x2a'));
  ASSERT_THAT(key, IsOk());
  absl::StatusOr<KeySet> keys = KeySet::Create(*key, {});
  ASSERT_THAT(keys, IsOk());
  JwtOptions issuer_options;
  issuer_options.issuer = "auth";
  issuer_options.audience = "api";
  issuer_options.clock = clock;
  JwtIssuer issuer(*keys, issuer_options);
  JwtVerifierOptions verifier_options;
  verifier_options.issuer = "auth";
  verifier_options.audience = "api";
  verifier_options.clock = clock;
  JwtVerifier jwt(*keys, verifier_options);
  CachingTokenVerifier cache(jwt, 100, clock);

  ASSERT_OK_AND_ASSIGN(IssuedToken issued, issuer.Issue("42"));
  ASSERT_OK_AND_ASSIGN(TokenClaims first, cache.Verify(issued.token));
  EXPECT_THAT(first, ClaimsAre(issued.claims));
  EXPECT_EQ(first.subject, "42");
  EXPECT_THAT(cache.Verify(issued.token), HoldsClaims(issued.claims));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);

  // One character of the signature changed: a fresh token, so the real check runs and fails.
  std::string tampered = issued.token;
  char& c = tampered[tampered.size() - 10];
  c = (c == 'A') ? 'B' : 'A';
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(cache.Verify(tampered),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("bad signature")));
  }
  EXPECT_EQ(cache.misses(), 3u);
  EXPECT_EQ(cache.size(), 1u);

  // A token remembered at issue time is a hit on its first validation.
  ASSERT_OK_AND_ASSIGN(IssuedToken second, issuer.Issue("43"));
  cache.Remember(second.token, second.claims);
  EXPECT_THAT(cache.Verify(second.token), HoldsClaims(second.claims));
  EXPECT_EQ(cache.hits(), 2u);

  // Past exp + leeway, the cached claims are not used and the verifier's verdict is returned.
  now = issued.claims.expires_at + absl::Minutes(1);
  EXPECT_THAT(cache.Verify(issued.token),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

}  // namespace
}  // namespace auth::token
