// hash_benchmark: how long one Argon2PasswordHasher::Hash() takes with the default (OWASP)
// parameters on this machine, to size the service's hashing pool and check the cost per login.
//
//   bazel run -c opt //libs/hashing:hash_benchmark -- 50      # 50 hashes on one thread
//   bazel run -c opt //libs/hashing:hash_benchmark -- 50 2    # 50 hashes on each of 2 threads
//
// Prints milliseconds per hash (the wall time each thread needed per hash) and hashes per second.
// Each hash runs on a single thread, so a machine with N cores sustains at most about N times
// the one-thread figure; running N threads at once shows how far below that shared caches, memory
// bandwidth and the kernel's page-fault handling keep it.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "libs/hashing/argon2_password_hasher.h"
#include "libs/version/version.h"

namespace {

using Milliseconds = std::chrono::duration<double, std::milli>;

// Hashes `count` passwords on the calling thread after one untimed warm-up hash, so first-touch
// costs of the thread do not skew the figure; the timed loop starts when `go` is set. Returns the
// elapsed time, or a negative one on error.
Milliseconds HashMany(const auth::hashing::Argon2PasswordHasher& hasher, int count, int thread,
                      std::atomic<int>* ready, const std::atomic<bool>* go, size_t* checksum) {
  const bool warmed_up = hasher.Hash("warm-up").ok();
  // Start the timed loops together, so the threads really overlap.
  ready->fetch_add(1);
  while (!go->load()) std::this_thread::yield();
  if (!warmed_up) return Milliseconds(-1);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<std::string> encoded =
        hasher.Hash("benchmark password " + std::to_string(thread) + "/" + std::to_string(i));
    if (!encoded.ok()) return Milliseconds(-1);
    *checksum += encoded->size();  // uses every result, so the loop cannot be optimized away
  }
  return std::chrono::steady_clock::now() - start;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("[hashes per thread] [threads]: times Argon2id hashing.");
  auth::version::InstallVersionFlag(argv[0]);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);  // --help, --version
  argc = static_cast<int>(args.size());
  argv = args.data();
  int count = 20;
  int threads = 1;
  if (argc > 3 || (argc >= 2 && (!absl::SimpleAtoi(argv[1], &count) || count <= 0)) ||
      (argc == 3 && (!absl::SimpleAtoi(argv[2], &threads) || threads <= 0 || threads > 256))) {
    std::fprintf(stderr,
                 "usage: %s [hashes per thread, default 20] [threads hashing at once, default 1]\n",
                 argv[0]);
    return 2;
  }

  const auth::hashing::Argon2Params params;
  absl::StatusOr<std::unique_ptr<auth::hashing::Argon2PasswordHasher>> hasher =
      auth::hashing::Argon2PasswordHasher::Create(params);
  if (!hasher.ok()) {
    std::fprintf(stderr, "cannot create hasher: %s\n", hasher.status().ToString().c_str());
    return 1;
  }

  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<Milliseconds> elapsed(threads);
  std::vector<size_t> checksums(threads, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back(
        [&, t] { elapsed[t] = HashMany(**hasher, count, t, &ready, &go, &checksums[t]); });
  }
  while (ready.load() < threads) std::this_thread::yield();
  // Minor page faults of the whole process during the timed loops show whether each hash maps
  // fresh memory that the kernel has to zero.
  rusage usage_before{};
  getrusage(RUSAGE_SELF, &usage_before);
  go.store(true);
  for (std::thread& worker : workers) worker.join();
  rusage usage_after{};
  getrusage(RUSAGE_SELF, &usage_after);

  size_t checksum = 0;
  Milliseconds slowest(0);
  for (int t = 0; t < threads; ++t) {
    if (elapsed[t].count() < 0) {
      std::fprintf(stderr, "hashing failed\n");
      return 1;
    }
    checksum += checksums[t];
    slowest = std::max(slowest, elapsed[t]);
  }

  std::printf("argon2id m=%u KiB t=%u p=%u: %d thread(s) x %d hashes in %.1f ms (%zu bytes)\n",
              params.memory_kib, params.iterations, params.parallelism, threads, count,
              slowest.count(), checksum);
  for (int t = 0; t < threads; ++t) {
    std::printf("  thread %d: %.2f ms/hash\n", t, elapsed[t].count() / count);
  }
  const double ms_per_hash = slowest.count() / count;
  std::printf("%.2f ms/hash (slowest thread), %.1f hashes/s in total", ms_per_hash,
              threads * 1000.0 / ms_per_hash);
  const unsigned cores = std::thread::hardware_concurrency();
  if (threads == 1 && cores > 0) {
    std::printf(" (%u cores: at most ~%.0f hashes/s)", cores, cores * 1000.0 / ms_per_hash);
  }
  std::printf("\n");
  // CPU time is less disturbed than wall time when other processes share the cores.
  const auto cpu_ms = [](const rusage& usage) {
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
  };
  const auto system_ms = [](const rusage& usage) {
    return usage.ru_stime.tv_sec * 1e3 + usage.ru_stime.tv_usec / 1e3;
  };
  std::printf("%.2f ms of CPU per hash, %.2f of it in the kernel\n",
              (cpu_ms(usage_after) - cpu_ms(usage_before)) / (threads * count),
              (system_ms(usage_after) - system_ms(usage_before)) / (threads * count));
  const long faults = usage_after.ru_minflt - usage_before.ru_minflt;
  std::printf("%.1f minor page faults per hash (%ld in all)\n",
              static_cast<double>(faults) / (threads * count), faults);
  return 0;
}
