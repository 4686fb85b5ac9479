// Tests for the per-thread Argon2 memory block of Argon2PasswordHasher: hashes computed in the
// reused block equal libargon2's own (which allocates afresh), whatever order of sizes a thread
// sees; a thread's second hash allocates nothing; the block is wiped after every hash; stored
// hashes above the hasher's m neither fail nor pin a bigger block; threads hash concurrently.
// Each scenario runs on a fresh thread, because the block and its counters are per thread.
#include <argon2.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/hashing/argon2_password_hasher.h"
#include "libs/testing/status_matchers.h"

namespace auth::hashing {
namespace {

using ::auth::test_util::IsOk;
using Stats = Argon2PasswordHasher::ThreadBlockStats;

constexpr absl::string_view kPassword = "correct horse battery staple";
constexpr absl::string_view kSalt = "0123456789abcdef";

Argon2Params Params(uint32_t memory_kib, uint32_t iterations, uint32_t parallelism) {
  Argon2Params params;
  params.memory_kib = memory_kib;
  params.iterations = iterations;
  params.parallelism = parallelism;
  return params;
}

std::unique_ptr<Argon2PasswordHasher> MakeHasher(const Argon2Params& params) {
  absl::StatusOr<std::unique_ptr<Argon2PasswordHasher>> hasher =
      Argon2PasswordHasher::Create(params);
  EXPECT_THAT(hasher, IsOk());
  return hasher.ok() ? *std::move(hasher) : nullptr;
}

// libargon2's own PHC string for `password` and kSalt: computed in memory libargon2 mallocs and
// frees itself, so it is the reference the reused block must reproduce.
std::string Libargon2Encoded(const Argon2Params& params, absl::string_view password) {
  const size_t length = argon2_encodedlen(params.iterations, params.memory_kib, params.parallelism,
                                          kSalt.size(), params.hash_bytes, Argon2_id);
  std::string encoded(length, '\0');
  const int result = argon2id_hash_encoded(
      params.iterations, params.memory_kib, params.parallelism, password.data(), password.size(),
      kSalt.data(), kSalt.size(), params.hash_bytes, encoded.data(), encoded.size());
  EXPECT_EQ(result, ARGON2_OK) << argon2_error_message(result);
  encoded.resize(encoded.find('\0'));
  return encoded;
}

// Runs `body` on a thread of its own, whose block starts empty.
void OnFreshThread(const std::function<void()>& body) { std::thread(body).join(); }

// Hashes with each of `sizes` in turn on one thread and checks every result against libargon2,
// and that libargon2 wiped the block afterwards (the reuse is only safe because it does).
void ExpectSameAsLibargon2InOrder(const std::vector<Argon2Params>& sizes) {
  for (const Argon2Params& params : sizes) {
    std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(params);
    ASSERT_NE(hasher, nullptr);
    const std::string label =
        absl::StrCat("m=", params.memory_kib, " t=", params.iterations, " p=", params.parallelism);
    absl::StatusOr<std::string> ours = hasher->HashWithSaltForTest(kPassword, kSalt);
    ASSERT_THAT(ours, IsOk()) << label;
    EXPECT_EQ(*ours, Libargon2Encoded(params, kPassword)) << label;
    EXPECT_TRUE(Argon2PasswordHasher::ThreadBlockStatsForTest().block_wiped) << label;
  }
}

TEST(Argon2BlockReuseTest, LargerThenSmallerMatchesLibargon2) {
  OnFreshThread([] {
    ExpectSameAsLibargon2InOrder(
        {Params(1024, 2, 1), Params(64, 1, 1), Params(256, 3, 2), Params(32, 1, 4)});
    const Stats stats = Argon2PasswordHasher::ThreadBlockStatsForTest();
    EXPECT_EQ(stats.block_allocations, 1u);  // the first block serves the smaller ones
    EXPECT_EQ(stats.uncached_allocations, 0u);
    EXPECT_EQ(stats.block_bytes, 1024u * 1024);
  });
}

TEST(Argon2BlockReuseTest, SmallerThenLargerMatchesLibargon2) {
  OnFreshThread([] {
    ExpectSameAsLibargon2InOrder({Params(32, 1, 4), Params(64, 1, 1), Params(256, 3, 2),
                                  Params(1024, 2, 1), Params(64, 2, 1)});
    const Stats stats = Argon2PasswordHasher::ThreadBlockStatsForTest();
    EXPECT_EQ(stats.block_allocations, 4u);  // grown for each larger m, reused for the last
    EXPECT_EQ(stats.uncached_allocations, 0u);
    EXPECT_EQ(stats.block_bytes, 1024u * 1024);
  });
}

TEST(Argon2BlockReuseTest, SecondHashOnAThreadAllocatesNothing) {
  OnFreshThread([] {
    std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(Params(256, 1, 1));
    ASSERT_NE(hasher, nullptr);
    EXPECT_EQ(Argon2PasswordHasher::ThreadBlockStatsForTest().block_bytes, 0u);

    ASSERT_OK_AND_ASSIGN(std::string first, hasher->Hash(kPassword));
    const Stats after_first = Argon2PasswordHasher::ThreadBlockStatsForTest();
    EXPECT_EQ(after_first.block_allocations, 1u);
    EXPECT_EQ(after_first.block_bytes, 256u * 1024);
    EXPECT_TRUE(after_first.block_wiped);

    ASSERT_OK_AND_ASSIGN(std::string second, hasher->Hash(kPassword));
    ASSERT_OK_AND_ASSIGN(bool match, hasher->Verify(kPassword, first));
    EXPECT_TRUE(match);
    ASSERT_OK_AND_ASSIGN(match, hasher->Verify("not the password", second));
    EXPECT_FALSE(match);
    const Stats after_more = Argon2PasswordHasher::ThreadBlockStatsForTest();
    EXPECT_EQ(after_more.block_allocations, 1u);
    EXPECT_EQ(after_more.uncached_allocations, 0u);
    EXPECT_EQ(after_more.block_bytes, 256u * 1024);
    EXPECT_TRUE(after_more.block_wiped);
  });
}

// 19 MiB, rounded up to whole 2 MiB huge pages: 20 MiB.
TEST(Argon2BlockReuseTest, DefaultParamsKeepOneBlockOfTwentyMebibytes) {
  OnFreshThread([] {
    std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(Argon2Params{});
    ASSERT_NE(hasher, nullptr);
    ASSERT_OK_AND_ASSIGN(std::string stored, hasher->Hash(kPassword));
    ASSERT_OK_AND_ASSIGN(bool match, hasher->Verify(kPassword, stored));
    EXPECT_TRUE(match);
    const Stats stats = Argon2PasswordHasher::ThreadBlockStatsForTest();
    EXPECT_EQ(stats.block_allocations, 1u);
    EXPECT_EQ(stats.block_bytes, 20u * 1024 * 1024);
    EXPECT_TRUE(stats.block_wiped);
  });
}

TEST(Argon2BlockReuseTest, StoredHashAboveOwnMemoryVerifiesWithoutGrowingTheBlock) {
  const Argon2Params big = Params(2048, 1, 1);
  const std::string stored = Libargon2Encoded(big, kPassword);
  OnFreshThread([&] {
    std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(Params(64, 1, 1));
    ASSERT_NE(hasher, nullptr);
    ASSERT_OK_AND_ASSIGN(std::string own, hasher->Hash(kPassword));
    for (int i = 0; i < 2; ++i) {
      ASSERT_OK_AND_ASSIGN(bool match, hasher->Verify(kPassword, stored));
      EXPECT_TRUE(match);
      ASSERT_OK_AND_ASSIGN(match, hasher->Verify("not the password", stored));
      EXPECT_FALSE(match);
    }
    const Stats stats = Argon2PasswordHasher::ThreadBlockStatsForTest();
    EXPECT_EQ(stats.block_allocations, 1u);
    EXPECT_EQ(stats.uncached_allocations, 4u);  // one per Verify of the big string
    EXPECT_EQ(stats.block_bytes, 64u * 1024);   // not pinned at 2 MiB
    EXPECT_TRUE(stats.block_wiped);
    // The thread's own size still reuses its block.
    ASSERT_OK_AND_ASSIGN(bool match, hasher->Verify(kPassword, own));
    EXPECT_TRUE(match);
    EXPECT_EQ(Argon2PasswordHasher::ThreadBlockStatsForTest().uncached_allocations, 4u);
  });
}

TEST(Argon2BlockReuseTest, ConcurrentThreadsEachReuseTheirOwnBlock) {
  const std::vector<Argon2Params> sizes = {Params(512, 1, 1), Params(1024, 2, 1), Params(256, 1, 2),
                                           Params(768, 1, 1)};
  constexpr int kHashesPerThread = 4;
  std::vector<std::vector<std::string>> results(sizes.size());
  std::vector<Stats> stats(sizes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < sizes.size(); ++i) {
    threads.emplace_back([&, i] {
      std::unique_ptr<Argon2PasswordHasher> hasher = MakeHasher(sizes[i]);
      if (hasher == nullptr) return;
      for (int n = 0; n < kHashesPerThread; ++n) {
        absl::StatusOr<std::string> encoded =
            hasher->HashWithSaltForTest(absl::StrCat(kPassword, i, "/", n), kSalt);
        results[i].push_back(encoded.ok() ? *encoded : "");
      }
      stats[i] = Argon2PasswordHasher::ThreadBlockStatsForTest();
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_EQ(results[i].size(), static_cast<size_t>(kHashesPerThread)) << i;
    std::unique_ptr<Argon2PasswordHasher> checker = MakeHasher(sizes[i]);
    ASSERT_NE(checker, nullptr);
    for (int n = 0; n < kHashesPerThread; ++n) {
      const std::string password = absl::StrCat(kPassword, i, "/", n);
      EXPECT_EQ(results[i][n], Libargon2Encoded(sizes[i], password)) << i << "/" << n;
      absl::StatusOr<bool> match = checker->Verify(password, results[i][n]);
      ASSERT_THAT(match, IsOk());
      EXPECT_TRUE(*match) << i << "/" << n;
    }
    EXPECT_EQ(stats[i].block_allocations, 1u) << i;
    EXPECT_EQ(stats[i].uncached_allocations, 0u) << i;
    EXPECT_EQ(stats[i].block_bytes, size_t{sizes[i].memory_kib} * 1024) << i;
    EXPECT_TRUE(stats[i].block_wiped) << i;
  }
}

}  // namespace
}  // namespace auth::hashing
