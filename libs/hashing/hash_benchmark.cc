// hash_benchmark: how long one Argon2PasswordHasher::Hash() takes with the default (OWASP)
// parameters on this machine, to size the service's hashing pool and check the cost per login.
//
//   bazel run -c opt //libs/hashing:hash_benchmark -- 50
//
// Prints milliseconds per hash and hashes per second for one core. Each hash runs on a single
// thread, so a machine with N cores sustains at most about N times that.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "libs/hashing/argon2_password_hasher.h"

int main(int argc, char** argv) {
  int count = 20;
  if (argc > 2 || (argc == 2 && (!absl::SimpleAtoi(argv[1], &count) || count <= 0))) {
    std::fprintf(stderr, "usage: %s [number of hashes, default 20]\n", argv[0]);
    return 2;
  }

  const auth::hashing::Argon2Params params;
  absl::StatusOr<std::unique_ptr<auth::hashing::Argon2PasswordHasher>> hasher =
      auth::hashing::Argon2PasswordHasher::Create(params);
  if (!hasher.ok()) {
    std::fprintf(stderr, "cannot create hasher: %s\n", hasher.status().ToString().c_str());
    return 1;
  }

  // One untimed hash first, so page faults of the first allocation do not skew the figure.
  if (!(*hasher)->Hash("warm-up").ok()) {
    std::fprintf(stderr, "hashing failed\n");
    return 1;
  }
  size_t checksum = 0;  // uses every result, so the loop cannot be optimized away
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<std::string> encoded =
        (*hasher)->Hash("benchmark password " + std::to_string(i));
    if (!encoded.ok()) {
      std::fprintf(stderr, "hashing failed: %s\n", encoded.status().ToString().c_str());
      return 1;
    }
    checksum += encoded->size();
  }
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - start;

  const double ms_per_hash = elapsed.count() / count;
  const unsigned cores = std::thread::hardware_concurrency();
  std::printf("argon2id m=%u KiB t=%u p=%u: %d hashes in %.1f ms (%zu bytes written)\n",
              params.memory_kib, params.iterations, params.parallelism, count, elapsed.count(),
              checksum);
  std::printf("%.2f ms/hash, %.1f hashes/s per core", ms_per_hash, 1000.0 / ms_per_hash);
  if (cores > 0)
    std::printf(" (%u cores: at most ~%.0f hashes/s)", cores, cores * 1000.0 / ms_per_hash);
  std::printf("\n");
  return 0;
}
