// CachingTokenVerifier. The validity test on a hit is deliberately stricter than JwtVerifier's
// (no leeway): see the header for why that makes a hit never more permissive than a miss.
#include "libs/token/caching_token_verifier.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/token/token.h"
#include "libs/token/token_digest.h"

namespace auth::token {
namespace {

// True if the claims may be returned from the cache at `now`.
bool UsableAt(const TokenClaims& claims, absl::Time now) {
  return now < claims.expires_at && claims.not_before <= now && claims.issued_at <= now;
}

// True if the claims can never be returned from the cache again.
bool ExpiredAt(const TokenClaims& claims, absl::Time now) { return now >= claims.expires_at; }

}  // namespace

CachingTokenVerifier::CachingTokenVerifier(const TokenVerifier& inner, std::size_t capacity,
                                           std::function<absl::Time()> clock, std::size_t shards)
    : inner_(inner), clock_(std::move(clock)) {
  if (capacity == 0) return;
  num_shards_ = std::clamp<std::size_t>(shards, 1, capacity);
  shards_ = std::make_unique<Shard[]>(num_shards_);
  // Spread the capacity so the shards add up to exactly `capacity`.
  for (std::size_t i = 0; i < num_shards_; ++i) {
    shards_[i].capacity = capacity / num_shards_ + (i < capacity % num_shards_ ? 1 : 0);
  }
}

CachingTokenVerifier::Shard& CachingTokenVerifier::ShardFor(const Digest& digest) const {
  // The digest is uniformly distributed, so any 8 of its bytes pick a shard fairly.
  std::uint64_t prefix;
  std::memcpy(&prefix, digest.data(), sizeof(prefix));
  return shards_[prefix % num_shards_];
}

absl::Time CachingTokenVerifier::Now() const { return clock_ ? clock_() : absl::Now(); }

absl::StatusOr<TokenClaims> CachingTokenVerifier::Verify(absl::string_view token) const {
  if (num_shards_ == 0 || token.size() > kMaxCachedTokenBytes) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return inner_.Verify(token);
  }
  return VerifyPrehashed(token, DigestToken(token));
}

absl::StatusOr<TokenClaims> CachingTokenVerifier::VerifyPrehashed(absl::string_view token,
                                                                  const Digest& digest) const {
  if (num_shards_ == 0 || token.size() > kMaxCachedTokenBytes) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return inner_.Verify(token);
  }
  Shard& shard = ShardFor(digest);
  {
    const absl::Time now = Now();
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.entries.find(digest);
    if (it != shard.entries.end()) {
      if (UsableAt(it->second, now)) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second;
      }
      // Not yet valid (nbf/iat ahead of our clock) is kept: it becomes usable soon.
      if (ExpiredAt(it->second, now)) shard.entries.erase(it);
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t generation = generation_.load();  // before the inner verifier reads keys
  absl::StatusOr<TokenClaims> claims = inner_.Verify(token);
  if (claims.ok()) Insert(digest, *claims, Now(), generation);
  return claims;
}

void CachingTokenVerifier::Remember(absl::string_view token, const TokenClaims& claims) {
  Remember(token, claims, generation_.load());
}

void CachingTokenVerifier::Remember(absl::string_view token, const TokenClaims& claims,
                                    std::uint64_t generation) {
  if (num_shards_ == 0 || token.size() > kMaxCachedTokenBytes) return;
  Insert(DigestToken(token), claims, Now(), generation);
}

void CachingTokenVerifier::Insert(const Digest& digest, const TokenClaims& claims, absl::Time now,
                                  std::uint64_t generation) const {
  // An entry that can never be a hit would only take the place of one that can.
  if (ExpiredAt(claims, now)) return;
  Shard& shard = ShardFor(digest);
  std::lock_guard<std::mutex> lock(shard.mu);
  // Clear() moves to the next generation before it takes this lock: either it has, and this
  // answer may come from dropped keys, or it will clear this entry.
  if (generation_.load() != generation) return;
  auto& entries = shard.entries;
  if (auto it = entries.find(digest); it != entries.end()) {
    it->second = claims;
    return;
  }
  if (entries.size() >= shard.capacity) {
    // Make room for an eighth of the shard at once, so a shard full of live entries does not
    // pay a full scan on every insert.
    const std::size_t target = shard.capacity - std::max<std::size_t>(1, shard.capacity / 8);
    for (auto it = entries.begin(); it != entries.end();) {
      // erase(it++): flat_hash_map's erase(iterator) returns void.
      if (ExpiredAt(it->second, now)) {
        entries.erase(it++);
      } else {
        ++it;
      }
    }
    for (auto it = entries.begin(); entries.size() > target && it != entries.end();) {
      entries.erase(it++);
    }
  }
  entries.emplace(digest, claims);
}

void CachingTokenVerifier::Clear() {
  generation_.fetch_add(1);
  for (std::size_t i = 0; i < num_shards_; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    shards_[i].entries.clear();
  }
}

std::size_t CachingTokenVerifier::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < num_shards_; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    total += shards_[i].entries.size();
  }
  return total;
}

}  // namespace auth::token
