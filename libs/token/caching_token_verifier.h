// CachingTokenVerifier: a TokenVerifier decorator that remembers tokens another verifier has
// already accepted, so a token is signature-checked (Ed25519, ~90 us) once, not on every call.
//
//   JwtVerifier jwt(keys, verifier_options);
//   CachingTokenVerifier verifier(jwt, /*capacity=*/100000);
//   absl::StatusOr<IssuedToken> issued = issuer.Issue("42");
//   if (issued.ok()) verifier.Remember(issued->token, issued->claims);  // we just signed it
//   absl::StatusOr<TokenClaims> claims = verifier.Verify(token);        // a hit: no signature
//   check
//
// What is cached: only successes. The key is the SHA-256 of the token, the value the claims the
// inner verifier returned. Failures are never cached (a negative cache would let anyone fill
// memory with garbage tokens; the inner verifier rejects garbage cheaply before any signature
// check). Neither tokens nor digests are ever logged.
//
// A cached answer is never more permissive than a fresh one. JwtVerifier accepts a token while
//   now < exp + leeway,  nbf <= now + leeway,  iat <= now + leeway   (leeway >= 0),
// and its signature, issuer and audience checks do not depend on time. A hit requires
//   now < exp,  nbf <= now,  iat <= now,
// i.e. zero leeway, which implies the above for whatever leeway the inner verifier uses (a
// TokenVerifier does not expose it, and a configured copy could drift from the real one). The
// price is a few misses: a token from a replica whose clock runs ahead is a miss until our clock
// reaches its nbf/iat (at most the leeway), and a token in its exp..exp+leeway grace period goes
// to the inner verifier every time (and is not cached, since a hit is no longer possible).
// Only the stateless checks are cached: session revocation (logout) is the caller's business
// and must still be checked on every request.
//
// Keys: the inner verifier's answer for a token could only change if its keys or options did.
// Keys that rotate (RotatingKeySet) only leave the set on their own once every token they
// signed has expired; but a reload may drop a key at once, so whoever reloads calls Clear()
// right after (AuthServer::ReloadKeys does), or tokens signed by a dropped key would keep
// verifying from the cache until they expire. A verdict reached with the keys before a Clear()
// and stored after it would outlive the dropped key just the same, so each Clear() starts a new
// generation, and an answer is stored only in the generation its verification (or, for
// Remember(), its signing) started in.
//
// Memory: at most `capacity` entries (each ~32 bytes of digest plus the claims, a few hundred
// bytes), split over up to 16 shards, each with its own std::mutex, so concurrent gRPC threads
// rarely contend. When a shard is full, an insert first drops the shard's expired entries; if
// that frees less than an eighth of the shard, it also drops arbitrary entries (in hash order,
// which for SHA-256 keys is effectively random) until an eighth is free. Making room in batches
// keeps inserts amortised O(1) even when every entry is live. Tokens longer than
// kMaxCachedTokenBytes bypass the cache (no hashing of huge inputs). Capacity 0 disables
// caching: every call goes straight to the inner verifier.
//
// Thread-safe. std::mutex rather than absl::Mutex so that ThreadSanitizer sees the locking.
#ifndef LIBS_TOKEN_CACHING_TOKEN_VERIFIER_H_
#define LIBS_TOKEN_CACHING_TOKEN_VERIFIER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/token/token.h"

namespace auth::token {

class CachingTokenVerifier : public PrehashedTokenVerifier {
 public:
  // Shards used unless the constructor is told otherwise (never more than `capacity`).
  static constexpr std::size_t kDefaultShards = 16;
  // Longer tokens are passed to the inner verifier without being hashed or cached. Our tokens
  // are ~250 bytes and JwtVerifier rejects anything over 4096 by default.
  static constexpr std::size_t kMaxCachedTokenBytes = 8192;

  // `inner` is not owned and must outlive this object. `clock` gives the current time (tests
  // inject a fake one; an empty function means absl::Now). `shards` is clamped to
  // [1, capacity]; the default suits production, tests pass 1 to make eviction predictable.
  CachingTokenVerifier(const TokenVerifier& inner, std::size_t capacity,
                       std::function<absl::Time()> clock = absl::Now,
                       std::size_t shards = kDefaultShards);

  CachingTokenVerifier(const CachingTokenVerifier&) = delete;
  CachingTokenVerifier& operator=(const CachingTokenVerifier&) = delete;

  // The cached claims if `token` is cached and currently valid (see above); otherwise the inner
  // verifier's verdict, unchanged, caching it if it is a success.
  absl::StatusOr<TokenClaims> Verify(absl::string_view token) const override;

  // Verify(token) with the token's digest (DigestToken(token)) already computed by the caller.
  absl::StatusOr<TokenClaims> VerifyPrehashed(absl::string_view token,
                                              const TokenDigest& digest) const override;

  // Caches `claims` for `token`, a token this process has just issued: the caller vouches that
  // the inner verifier would accept it. Ignored if the claims have already expired.
  void Remember(absl::string_view token, const TokenClaims& claims);
  // The same for a token signed after generation() answered `generation`: ignored if Clear()
  // was called since (the token may be signed by a key that was dropped).
  void Remember(absl::string_view token, const TokenClaims& claims, std::uint64_t generation);
  // How many times Clear() was called.
  std::uint64_t generation() const { return generation_.load(); }

  // Drops every entry. Call it after changing the inner verifier's keys (see above).
  void Clear();

  // Entries cached right now, expired ones not yet dropped included.
  std::size_t size() const;
  // Verify() calls answered from the cache.
  std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  // Verify() calls passed to the inner verifier, whatever it answered.
  std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  using Digest = TokenDigest;
  struct Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<Digest, TokenClaims> entries;  // guarded by mu
    std::size_t capacity = 0;
  };

  Shard& ShardFor(const Digest& digest) const;
  absl::Time Now() const;
  // Inserts or replaces under the shard's lock, making room first if the shard is full;
  // nothing if the generation is no longer `generation`.
  void Insert(const Digest& digest, const TokenClaims& claims, absl::Time now,
              std::uint64_t generation) const;

  const TokenVerifier& inner_;
  const std::function<absl::Time()> clock_;
  std::size_t num_shards_ = 0;
  std::unique_ptr<Shard[]> shards_;  // num_shards_ of them; none when capacity is 0
  mutable std::atomic<std::uint64_t> hits_{0};
  mutable std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace auth::token

#endif  // LIBS_TOKEN_CACHING_TOKEN_VERIFIER_H_
