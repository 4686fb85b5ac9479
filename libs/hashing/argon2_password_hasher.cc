// Argon2id password hashing with libargon2, salts from the crypto library's CSPRNG.
#include "libs/hashing/argon2_password_hasher.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/hashing/internal/phc_string.h"

namespace auth::hashing {
namespace {

using internal::FormatPhcString;
using internal::ParsePhcString;
using internal::PhcString;

constexpr absl::string_view kAlgorithm = "argon2id";

absl::Status CheckPasswordLength(absl::string_view password) {
  if (password.size() > Argon2PasswordHasher::kMaxPasswordBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password is longer than ", Argon2PasswordHasher::kMaxPasswordBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckRange(absl::string_view name, uint64_t value, uint64_t min, uint64_t max) {
  if (value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("Argon2 ", name, " must be in [", min, ", ", max, "], got ", value));
  }
  return absl::OkStatus();
}

// One reusable Argon2 memory block per thread. libargon2's allocate/free callbacks take no user
// pointer, so they reach the block through thread_local; both run on the thread that called
// argon2_ctx (initialize and finalize happen there whatever `threads` is). Reusing the block
// saves the malloc and free and, above all, the page faults and the kernel's zeroing of fresh
// pages: glibc hands freed memory back to the kernel when the top of an arena grows past its
// trim threshold, which two hashing threads sharing an arena keep causing, and each later hash
// then faults its 19 MiB in again. libargon2 wipes the memory before handing it to the free
// callback (FLAG_clear_internal_memory, which we never turn off), so the kept block holds no
// password-derived data between hashes.
struct ThreadBlock {
  ThreadBlock() = default;
  ThreadBlock(const ThreadBlock&) = delete;
  ThreadBlock& operator=(const ThreadBlock&) = delete;
  ~ThreadBlock() { std::free(data); }  // at thread exit; already wiped after the last hash

  uint8_t* data = nullptr;
  size_t bytes = 0;
  bool in_use = false;         // handed to libargon2 and not yet given back
  size_t cacheable_bytes = 0;  // largest size the hash in progress may grow the block to
  uint64_t allocations = 0;
  uint64_t uncached_allocations = 0;
};

thread_local ThreadBlock t_block;

// Cache-line alignment, so each 1 KiB Argon2 block spans 16 lines rather than 17.
constexpr size_t kBlockAlignment = 64;

// Blocks of at least one huge page are aligned to, and rounded up to, whole 2 MiB pages and
// offered to the kernel as transparent huge pages (MADV_HUGEPAGE: honoured when THP is
// "always" or "madvise", Debian's default). Argon2 reads 1 KiB blocks at data-dependent places
// all over its 19 MiB: with 4 KiB pages nearly every read misses the TLB, with 2 MiB pages the
// whole block needs ten entries. Measured here (hash_benchmark, m=19456, t=2): 17.5-17.9 ms a
// hash instead of 20.7-22.4, and two threads at once lose 5% instead of 10%.
constexpr size_t kHugePageBytes = size_t{2} << 20;

int AllocateArgon2Memory(uint8_t** memory, size_t bytes) {
  ThreadBlock& block = t_block;
  // A hash inside a hash cannot happen, but if the block were taken, a one-off allocation is
  // the safe answer. So is a request above the hasher's own m, e.g. from an odd stored string.
  if (block.in_use || (bytes > block.bytes && bytes > block.cacheable_bytes)) {
    ++block.uncached_allocations;
    *memory = static_cast<uint8_t*>(std::malloc(bytes));
    return *memory != nullptr ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
  }
  if (bytes > block.bytes) {
    // Free first so the peak is the new size, not both. The old block is already wiped.
    std::free(block.data);
    block.data = nullptr;
    block.bytes = 0;
    const size_t alignment = bytes >= kHugePageBytes ? kHugePageBytes : kBlockAlignment;
    const size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    block.data = static_cast<uint8_t*>(std::aligned_alloc(alignment, rounded));
    if (block.data == nullptr) {
      *memory = nullptr;
      return ARGON2_MEMORY_ALLOCATION_ERROR;
    }
    // Before the first touch, so the pages are faulted in huge. A refusal (THP off, an old
    // kernel) only costs the speed-up.
    if (alignment == kHugePageBytes) madvise(block.data, rounded, MADV_HUGEPAGE);
    block.bytes = rounded;
    ++block.allocations;
  }
  block.in_use = true;
  *memory = block.data;
  return ARGON2_OK;
}

void FreeArgon2Memory(uint8_t* memory, size_t /*bytes*/) {
  ThreadBlock& block = t_block;
  if (memory != nullptr && memory == block.data) {
    block.in_use = false;  // keep it for the next hash on this thread
    return;
  }
  std::free(memory);
}

// Lends the calling thread's block to one argon2_ctx call: sets how far it may grow, and takes
// it back should libargon2 return without freeing (it skips finalize when filling fails).
class ScopedThreadBlock {
 public:
  explicit ScopedThreadBlock(uint32_t cacheable_kib)
      : was_in_use_(t_block.in_use), saved_cacheable_bytes_(t_block.cacheable_bytes) {
    t_block.cacheable_bytes = size_t{cacheable_kib} * 1024;
  }
  ScopedThreadBlock(const ScopedThreadBlock&) = delete;
  ScopedThreadBlock& operator=(const ScopedThreadBlock&) = delete;
  ~ScopedThreadBlock() {
    if (!was_in_use_ && t_block.in_use) {
      OPENSSL_cleanse(t_block.data, t_block.bytes);
      t_block.in_use = false;
    }
    t_block.cacheable_bytes = saved_cacheable_bytes_;
  }

 private:
  const bool was_in_use_;
  const size_t saved_cacheable_bytes_;
};

// Computes the Argon2id v1.3 tag of `password` into `tag` (whose size is the tag length).
// Parameters must already be validated. argon2_ctx is used instead of argon2id_hash_raw only to
// pin `threads` to 1: the tag depends on the lanes (p), not on how many threads fill them, and
// this library promises not to start threads behind the caller's back. The memory comes from
// the thread's reusable block, which may grow to `cacheable_kib` (the hasher's own m).
absl::Status ComputeArgon2id(absl::string_view password, absl::string_view salt,
                             uint32_t memory_kib, uint32_t iterations, uint32_t parallelism,
                             uint32_t cacheable_kib, std::string* tag) {
  argon2_context context{};
  context.out = reinterpret_cast<uint8_t*>(tag->data());
  context.outlen = static_cast<uint32_t>(tag->size());
  // libargon2 only writes through pwd with ARGON2_FLAG_CLEAR_PASSWORD, which is not set.
  context.pwd = reinterpret_cast<uint8_t*>(const_cast<char*>(password.data()));
  context.pwdlen = static_cast<uint32_t>(password.size());
  context.salt = reinterpret_cast<uint8_t*>(const_cast<char*>(salt.data()));
  context.saltlen = static_cast<uint32_t>(salt.size());
  context.t_cost = iterations;
  context.m_cost = memory_kib;
  context.lanes = parallelism;
  context.threads = 1;
  context.version = ARGON2_VERSION_13;
  context.flags = ARGON2_DEFAULT_FLAGS;
  context.allocate_cbk = &AllocateArgon2Memory;
  context.free_cbk = &FreeArgon2Memory;
  int result;
  {
    ScopedThreadBlock lend(cacheable_kib);
    result = argon2_ctx(&context, Argon2_id);
  }
  if (result == ARGON2_OK) return absl::OkStatus();
  if (result == ARGON2_MEMORY_ALLOCATION_ERROR) {
    return absl::ResourceExhaustedError("Argon2: cannot allocate the memory the hash needs");
  }
  // libargon2's messages describe the parameter at fault, never the input bytes.
  return absl::InternalError(absl::StrCat("Argon2 failed: ", argon2_error_message(result)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Argon2PasswordHasher>> Argon2PasswordHasher::Create(
    Argon2Params params) {
  absl::Status status =
      CheckRange("parallelism", params.parallelism, 1, internal::kPhcMaxParallelism);
  if (status.ok()) {
    status = CheckRange("iterations", params.iterations, 1, internal::kPhcMaxIterations);
  }
  if (status.ok()) {
    status = CheckRange("memory_kib", params.memory_kib,
                        uint64_t{internal::kPhcMinMemoryKibPerLane} * params.parallelism,
                        internal::kPhcMaxMemoryKib);
  }
  if (status.ok()) {
    status = CheckRange("salt_bytes", params.salt_bytes, kMinSaltBytes, internal::kPhcMaxSaltBytes);
  }
  if (status.ok()) {
    status = CheckRange("hash_bytes", params.hash_bytes, internal::kPhcMinHashBytes,
                        internal::kPhcMaxHashBytes);
  }
  if (!status.ok()) return status;
  return std::unique_ptr<Argon2PasswordHasher>(new Argon2PasswordHasher(params));
}

absl::StatusOr<std::string> Argon2PasswordHasher::Hash(absl::string_view password) const {
  if (absl::Status status = CheckPasswordLength(password); !status.ok()) return status;
  std::string salt(params_.salt_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<uint8_t*>(salt.data()), params_.salt_bytes) != 1) {
    return absl::InternalError("cannot draw a salt from the system random number generator");
  }
  return HashWithSalt(password, salt);
}

absl::StatusOr<std::string> Argon2PasswordHasher::HashWithSaltForTest(
    absl::string_view password, absl::string_view salt) const {
  if (salt.size() < internal::kPhcMinSaltBytes || salt.size() > internal::kPhcMaxSaltBytes) {
    return absl::InvalidArgumentError("salt length out of range");
  }
  if (absl::Status status = CheckPasswordLength(password); !status.ok()) return status;
  return HashWithSalt(password, salt);
}

absl::StatusOr<std::string> Argon2PasswordHasher::HashWithSalt(absl::string_view password,
                                                               absl::string_view salt) const {
  PhcString phc;
  phc.algorithm = std::string(kAlgorithm);
  phc.version = internal::kPhcArgon2Version;
  phc.memory_kib = params_.memory_kib;
  phc.iterations = params_.iterations;
  phc.parallelism = params_.parallelism;
  phc.salt = std::string(salt);
  phc.hash.assign(params_.hash_bytes, '\0');
  absl::Status status = ComputeArgon2id(password, phc.salt, phc.memory_kib, phc.iterations,
                                        phc.parallelism, params_.memory_kib, &phc.hash);
  if (!status.ok()) return status;
  return FormatPhcString(phc);
}

absl::StatusOr<bool> Argon2PasswordHasher::Verify(absl::string_view password,
                                                  absl::string_view encoded) const {
  if (absl::Status status = CheckPasswordLength(password); !status.ok()) return status;
  absl::StatusOr<PhcString> phc = ParsePhcString(encoded);
  if (!phc.ok()) return phc.status();
  if (phc->algorithm != kAlgorithm) {
    return absl::InvalidArgumentError("invalid password hash: algorithm is not argon2id");
  }
  std::string computed(phc->hash.size(), '\0');
  absl::Status status = ComputeArgon2id(password, phc->salt, phc->memory_kib, phc->iterations,
                                        phc->parallelism, params_.memory_kib, &computed);
  if (!status.ok()) return status;
  // Constant time, so response timing does not tell an attacker how many bytes matched.
  return CRYPTO_memcmp(computed.data(), phc->hash.data(), computed.size()) == 0;
}

Argon2PasswordHasher::ThreadBlockStats Argon2PasswordHasher::ThreadBlockStatsForTest() {
  const ThreadBlock& block = t_block;
  ThreadBlockStats stats;
  stats.block_allocations = block.allocations;
  stats.uncached_allocations = block.uncached_allocations;
  stats.block_bytes = block.bytes;
  stats.block_wiped =
      std::all_of(block.data, block.data + block.bytes, [](uint8_t byte) { return byte == 0; });
  return stats;
}

bool Argon2PasswordHasher::NeedsRehash(absl::string_view encoded) const {
  absl::StatusOr<PhcString> phc = ParsePhcString(encoded);
  if (!phc.ok()) return true;
  return phc->algorithm != kAlgorithm || phc->version != internal::kPhcArgon2Version ||
         phc->memory_kib != params_.memory_kib || phc->iterations != params_.iterations ||
         phc->parallelism != params_.parallelism || phc->salt.size() != params_.salt_bytes ||
         phc->hash.size() != params_.hash_bytes;
}

}  // namespace auth::hashing
