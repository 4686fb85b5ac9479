// Argon2PasswordHasher: the PasswordHasher of the auth service, Argon2id through libargon2.
//
//   absl::StatusOr<std::unique_ptr<Argon2PasswordHasher>> hasher =
//       Argon2PasswordHasher::Create(Argon2Params{});  // OWASP defaults
//   if (!hasher.ok()) return hasher.status();
//   absl::StatusOr<std::string> stored = (*hasher)->Hash(password);
//   // later, at login:
//   absl::StatusOr<bool> match = (*hasher)->Verify(password, *stored);
//   if (match.ok() && *match && (*hasher)->NeedsRehash(*stored)) { /* store a fresh Hash() */ }
//
// Hash() writes the standard PHC string, "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", with a
// fresh 16-byte salt from the system CSPRNG (RAND_bytes), so the `argon2` CLI, libsodium,
// argon2-cffi and friends verify it too. Verify() parses the stored string strictly (see
// internal/phc_string.h), refuses absurd costs a tampered row might ask for, recomputes with the
// stored parameters and compares in constant time.
//
// Every call computes on the caller's thread only: libargon2 is told to use one thread whatever
// the parallelism (p sets the memory layout, which is what the result depends on, not the number
// of threads). Costs are therefore predictable for a server that schedules hashing on its own
// pool. All methods are const and safe to call concurrently.
//
// Memory: Argon2 needs a block of m KiB per hash. Instead of allocating, faulting in and freeing
// it every time, each thread that hashes keeps one block and reuses it: after its first hash a
// thread holds m KiB (19 MiB with the defaults, rounded up to 20 MiB of 2 MiB transparent huge
// pages, which make the hash ~15% faster) until it exits, so a server with one hashing worker
// per core keeps cores x 20 MiB resident (2 x 20 MiB on a 2-core machine). libargon2
// still wipes the block after every hash, so no password-derived data outlives the call. A
// block grows to the largest m of the hashers (their params()) used on the thread; a stored
// hash with a larger m than its hasher's params() is verified in a one-off allocation, so one
// odd row does not pin a bigger block.
#ifndef LIBS_HASHING_ARGON2_PASSWORD_HASHER_H_
#define LIBS_HASHING_ARGON2_PASSWORD_HASHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/hashing/password_hasher.h"

namespace auth::hashing {

// Argon2id cost parameters. The defaults are OWASP's recommendation (19 MiB, 2 passes, 1 lane).
struct Argon2Params {
  uint32_t memory_kib = 19456;  // m: memory in KiB, at least 8 per lane
  uint32_t iterations = 2;      // t: passes over memory
  uint32_t parallelism = 1;     // p: lanes
  uint32_t salt_bytes = 16;     // length of the random salt
  uint32_t hash_bytes = 32;     // length of the derived tag
};

class Argon2PasswordHasher : public PasswordHasher {
 public:
  // Longest password Hash() and Verify() accept; longer ones are kInvalidArgument. Argon2 itself
  // takes any length, but hashing megabytes per request would be a cheap denial of service.
  static constexpr size_t kMaxPasswordBytes = 4096;

  // Smallest salt Create() accepts for new hashes (Verify() still accepts 8-byte salts).
  static constexpr uint32_t kMinSaltBytes = 16;

  // Validates `params` and returns a hasher using them, or kInvalidArgument. Limits match what
  // Verify() accepts, so every hash this hasher writes can be verified by it.
  static absl::StatusOr<std::unique_ptr<Argon2PasswordHasher>> Create(Argon2Params params);

  // Returns the PHC string of `password` under a fresh random salt.
  absl::StatusOr<std::string> Hash(absl::string_view password) const override;

  // Recomputes `password` with the parameters and salt stored in `encoded` and compares in
  // constant time. kInvalidArgument if `encoded` is not an acceptable argon2id v=19 PHC string.
  absl::StatusOr<bool> Verify(absl::string_view password, absl::string_view encoded) const override;

  // True if `encoded` does not parse or any of its parameters (m, t, p, salt or hash length)
  // differs from params().
  bool NeedsRehash(absl::string_view encoded) const override;

  // The parameters new hashes are made with.
  const Argon2Params& params() const { return params_; }

  // Hash() with a caller-chosen salt instead of a random one, for known-answer tests only.
  absl::StatusOr<std::string> HashWithSaltForTest(absl::string_view password,
                                                  absl::string_view salt) const;

  // The calling thread's reusable Argon2 block, as ThreadBlockStatsForTest() sees it.
  struct ThreadBlockStats {
    uint64_t block_allocations = 0;     // times this thread's block was allocated or grown
    uint64_t uncached_allocations = 0;  // hashes on this thread that used a one-off allocation
    size_t block_bytes = 0;             // size of this thread's block, 0 before its first hash
    bool block_wiped = true;            // every byte of the block is zero (nothing lingers)
  };

  // Reports on the calling thread's block, for tests that hashes reuse it. Scans the block.
  static ThreadBlockStats ThreadBlockStatsForTest();

 private:
  explicit Argon2PasswordHasher(const Argon2Params& params) : params_(params) {}

  absl::StatusOr<std::string> HashWithSalt(absl::string_view password,
                                           absl::string_view salt) const;

  const Argon2Params params_;
};

}  // namespace auth::hashing

#endif  // LIBS_HASHING_ARGON2_PASSWORD_HASHER_H_
