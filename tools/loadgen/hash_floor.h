// The hashing floor: how many Argon2id hashes per second this machine can compute at most, the
// ceiling of any implementation's Login and Register rate.
//
//   ASSERT_OK_AND_ASSIGN(HashFloor floor, MeasureHashFloor(Argon2Params{}, 20));
//   floor.floor_qps;  // cores / seconds per hash
#ifndef TOOLS_LOADGEN_HASH_FLOOR_H_
#define TOOLS_LOADGEN_HASH_FLOOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "libs/hashing/argon2_password_hasher.h"

namespace auth::loadgen {

struct HashFloor {
  hashing::Argon2Params params;
  int cores = 0;
  int hashes = 0;           // timed on one thread
  double ms_per_hash = 0;   // one thread, nothing else running
  double floor_qps = 0;     // cores * 1000 / ms_per_hash
  double parallel_qps = 0;  // measured with `cores` threads hashing at once
};

// Times `hashes` hashes on one thread, then `hashes` on each of `cores` threads at once.
absl::StatusOr<HashFloor> MeasureHashFloor(const hashing::Argon2Params& params, int hashes);

// {"scenario":"hash_floor", ...} on one line.
std::string HashFloorJson(const HashFloor& floor);

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_HASH_FLOOR_H_
