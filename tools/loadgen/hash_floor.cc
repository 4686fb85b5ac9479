#include "tools/loadgen/hash_floor.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace auth::loadgen {
namespace {

// Hashes `count` distinct passwords; false if any hash fails.
bool HashMany(const hashing::Argon2PasswordHasher& hasher, int count, int thread) {
  for (int i = 0; i < count; ++i) {
    if (!hasher.Hash(absl::StrCat("floor password ", thread, "/", i)).ok()) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<HashFloor> MeasureHashFloor(const hashing::Argon2Params& params, int hashes) {
  if (hashes <= 0) return absl::InvalidArgumentError("hashes must be positive");
  absl::StatusOr<std::unique_ptr<hashing::Argon2PasswordHasher>> hasher =
      hashing::Argon2PasswordHasher::Create(params);
  if (!hasher.ok()) return hasher.status();
  HashFloor floor;
  floor.params = params;
  floor.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  floor.hashes = hashes;

  // One untimed hash: the first allocation's page faults are not the steady state.
  if (!HashMany(**hasher, 1, -1)) return absl::InternalError("hashing failed");
  absl::Time start = absl::Now();
  if (!HashMany(**hasher, hashes, 0)) return absl::InternalError("hashing failed");
  floor.ms_per_hash = absl::ToDoubleMilliseconds(absl::Now() - start) / hashes;
  floor.floor_qps = floor.cores * 1000.0 / floor.ms_per_hash;

  // All cores at once: what the floor leaves out (memory bandwidth shared by the hashes).
  std::atomic<bool> all_ok{true};
  std::vector<std::thread> threads;
  start = absl::Now();
  for (int t = 0; t < floor.cores; ++t) {
    threads.emplace_back([&, t] {
      if (!HashMany(**hasher, hashes, t + 1)) all_ok = false;
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (!all_ok) return absl::InternalError("hashing failed");
  floor.parallel_qps = floor.cores * hashes / absl::ToDoubleSeconds(absl::Now() - start);
  return floor;
}

std::string HashFloorJson(const HashFloor& floor) {
  auto round = [](double value) { return std::round(value * 1000.0) / 1000.0; };
  nlohmann::ordered_json json;
  json["scenario"] = "hash_floor";
  json["argon2"] = {{"m_kib", floor.params.memory_kib},
                    {"t", floor.params.iterations},
                    {"p", floor.params.parallelism}};
  json["cores"] = floor.cores;
  json["hashes"] = floor.hashes;
  json["ms_per_hash"] = round(floor.ms_per_hash);
  json["floor_qps"] = round(floor.floor_qps);
  json["parallel_qps"] = round(floor.parallel_qps);
  return json.dump();
}

}  // namespace auth::loadgen
