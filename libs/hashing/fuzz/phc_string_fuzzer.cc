// Fuzzes internal::ParsePhcString, which reads password hashes back from database rows (hostile
// if the database is). Checks, beyond the sanitizers, the parser's promises: anything accepted
// is within the cost bounds and FormatPhcString gives it back byte for byte; and the unpadded
// base64 it uses round-trips whatever it decodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "libs/hashing/internal/phc_string.h"

namespace auth::hashing::internal {
namespace {

bool HasUnprintable(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isprint(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

void CheckPhcString(absl::string_view encoded) {
  absl::StatusOr<PhcString> phc = ParsePhcString(encoded);
  if (!phc.ok()) {
    if (phc.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    // Messages name the field and never echo the input. They are printable ASCII (one even
    // spells out the expected format), so only an input with another byte is sure not to
    // match one of them by accident.
    if (HasUnprintable(encoded) && absl::StrContains(phc.status().message(), encoded)) {
      std::abort();
    }
    return;
  }
  if (FormatPhcString(*phc) != encoded) std::abort();
  if (phc->version != kPhcArgon2Version) std::abort();
  if (phc->algorithm != "argon2id" && phc->algorithm != "argon2i" && phc->algorithm != "argon2d") {
    std::abort();
  }
  if (phc->memory_kib > kPhcMaxMemoryKib || phc->iterations == 0 ||
      phc->iterations > kPhcMaxIterations || phc->parallelism == 0 ||
      phc->parallelism > kPhcMaxParallelism ||
      phc->memory_kib < kPhcMinMemoryKibPerLane * phc->parallelism) {
    std::abort();
  }
  if (phc->salt.size() < kPhcMinSaltBytes || phc->salt.size() > kPhcMaxSaltBytes ||
      phc->hash.size() < kPhcMinHashBytes || phc->hash.size() > kPhcMaxHashBytes) {
    std::abort();
  }
}

void CheckBase64(absl::string_view text) {
  std::string bytes;
  if (!Base64DecodeUnpadded(text, &bytes)) return;
  if (Base64EncodeUnpadded(bytes) != text) std::abort();
}

}  // namespace
}  // namespace auth::hashing::internal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  auth::hashing::internal::CheckPhcString(input);
  auth::hashing::internal::CheckBase64(input);
  return 0;
}
