// A strict parser and formatter for Argon2 PHC strings, the self-describing form in which
// password hashes are stored:
//
//   $argon2id$v=19$m=19456,t=2,p=1$<salt, base64 without padding>$<hash, base64 without padding>
//
//   absl::StatusOr<PhcString> phc = ParsePhcString(row.password_hash);
//   if (!phc.ok()) return phc.status();  // kInvalidArgument, the message names the bad field
//   std::string again = FormatPhcString(*phc);  // == row.password_hash
//
// The input comes from a database row, so it is treated as hostile: the parser accepts exactly
// the canonical form libargon2 writes (fields in order, decimal numbers without sign or leading
// zeros, standard base64 without padding and with zero trailing bits, nothing after the hash)
// and refuses costs that would let a tampered row make one Verify() burn a gigabyte or a minute.
// Because only the canonical form is accepted, FormatPhcString(ParsePhcString(s)) == s for every
// accepted s. Error messages name the offending field and never echo the input.
#ifndef LIBS_HASHING_INTERNAL_PHC_STRING_H_
#define LIBS_HASHING_INTERNAL_PHC_STRING_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::hashing::internal {

// The only Argon2 version accepted: 0x13, written as "v=19".
inline constexpr uint32_t kPhcArgon2Version = 19;

// Bounds on the parameters of an accepted string. They are generous for real use and stop a
// tampered row from turning one Verify() into a denial of service.
inline constexpr uint32_t kPhcMaxMemoryKib = 1024 * 1024;  // 1 GiB
inline constexpr uint32_t kPhcMinMemoryKibPerLane = 8;     // libargon2 needs 8 blocks per lane
inline constexpr uint32_t kPhcMaxIterations = 100;
inline constexpr uint32_t kPhcMaxParallelism = 64;
inline constexpr size_t kPhcMinSaltBytes = 8;
inline constexpr size_t kPhcMaxSaltBytes = 64;
inline constexpr size_t kPhcMinHashBytes = 16;
inline constexpr size_t kPhcMaxHashBytes = 128;
// Longer than any string within the bounds above; checked first so huge inputs cost nothing.
inline constexpr size_t kPhcMaxEncodedLength = 512;

// The fields of a parsed PHC string. `salt` and `hash` hold raw bytes, not base64.
struct PhcString {
  std::string algorithm;  // "argon2id", "argon2i" or "argon2d"
  uint32_t version = kPhcArgon2Version;
  uint32_t memory_kib = 0;
  uint32_t iterations = 0;
  uint32_t parallelism = 0;
  std::string salt;
  std::string hash;
};

// Parses `encoded`, or returns kInvalidArgument saying which part is wrong.
absl::StatusOr<PhcString> ParsePhcString(absl::string_view encoded);

// Writes `phc` in the canonical form ParsePhcString accepts. Does not validate `phc`.
std::string FormatPhcString(const PhcString& phc);

// Standard base64 (RFC 4648 section 4) without padding, as PHC strings use it.
std::string Base64EncodeUnpadded(absl::string_view bytes);

// Decodes unpadded standard base64 into `bytes`. Rejects padding, characters outside the
// alphabet, impossible lengths and non-zero trailing bits, so every byte string has exactly one
// accepted encoding. Returns false (leaving `bytes` unspecified) on rejection.
bool Base64DecodeUnpadded(absl::string_view text, std::string* bytes);

}  // namespace auth::hashing::internal

#endif  // LIBS_HASHING_INTERNAL_PHC_STRING_H_
