// Strict Argon2 PHC string parsing and formatting; see phc_string.h for the accepted grammar.
#include "libs/hashing/internal/phc_string.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace auth::hashing::internal {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The value of a base64 digit, or -1 for anything outside the standard alphabet.
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Parses a canonical unsigned decimal (digits only, no sign, no leading zeros) that fits in
// uint32_t. libargon2 writes numbers this way, so anything else did not come from it.
bool ParseDecimal(absl::string_view text, uint32_t* value) {
  if (text.empty() || text.size() > 10) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  uint64_t result = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + static_cast<uint64_t>(c - '0');
  }
  if (result > UINT32_MAX) return false;
  *value = static_cast<uint32_t>(result);
  return true;
}

// Parses "<name>=<decimal>" with the given name.
bool ParseNamedDecimal(absl::string_view text, absl::string_view name, uint32_t* value) {
  if (!absl::ConsumePrefix(&text, name) || !absl::ConsumePrefix(&text, "=")) return false;
  return ParseDecimal(text, value);
}

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid password hash: ", what));
}

}  // namespace

std::string Base64EncodeUnpadded(absl::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : bytes) {
    accumulator = (accumulator << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64Alphabet[(accumulator >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kBase64Alphabet[(accumulator << (6 - bits)) & 0x3f]);
  return out;
}

bool Base64DecodeUnpadded(absl::string_view text, std::string* bytes) {
  // One leftover digit carries only 6 bits, less than a byte: no encoder produces it.
  if (text.size() % 4 == 1) return false;
  bytes->clear();
  bytes->reserve(text.size() * 3 / 4);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : text) {
    const int value = Base64Value(c);
    if (value < 0) return false;
    accumulator = ((accumulator << 6) | static_cast<uint32_t>(value)) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes->push_back(static_cast<char>((accumulator >> bits) & 0xff));
    }
  }
  // The bits left over must be zero, or two different strings would decode to the same bytes.
  return (accumulator & ((1u << bits) - 1)) == 0;
}

absl::StatusOr<PhcString> ParsePhcString(absl::string_view encoded) {
  if (encoded.size() > kPhcMaxEncodedLength) return Invalid("too long");
  const std::vector<absl::string_view> fields = absl::StrSplit(encoded, '$');
  // "", algorithm, version, parameters, salt, hash.
  if (fields.size() != 6 || !fields[0].empty()) {
    return Invalid("expected $algorithm$v=...$m=...,t=...,p=...$salt$hash");
  }

  PhcString phc;
  if (fields[1] != "argon2id" && fields[1] != "argon2i" && fields[1] != "argon2d") {
    return Invalid("unsupported algorithm");
  }
  phc.algorithm = std::string(fields[1]);

  if (!ParseNamedDecimal(fields[2], "v", &phc.version)) return Invalid("malformed version");
  if (phc.version != kPhcArgon2Version) return Invalid("unsupported version");

  const std::vector<absl::string_view> params = absl::StrSplit(fields[3], ',');
  if (params.size() != 3) return Invalid("expected exactly the parameters m, t and p");
  if (!ParseNamedDecimal(params[0], "m", &phc.memory_kib)) return Invalid("malformed memory (m)");
  if (!ParseNamedDecimal(params[1], "t", &phc.iterations)) {
    return Invalid("malformed iterations (t)");
  }
  if (!ParseNamedDecimal(params[2], "p", &phc.parallelism)) {
    return Invalid("malformed parallelism (p)");
  }
  if (phc.parallelism < 1 || phc.parallelism > kPhcMaxParallelism) {
    return Invalid(absl::StrCat("parallelism (p) must be in [1, ", kPhcMaxParallelism, "]"));
  }
  if (phc.iterations < 1 || phc.iterations > kPhcMaxIterations) {
    return Invalid(absl::StrCat("iterations (t) must be in [1, ", kPhcMaxIterations, "]"));
  }
  // parallelism <= 64 here, so the product cannot overflow.
  if (phc.memory_kib < kPhcMinMemoryKibPerLane * phc.parallelism) {
    return Invalid("memory (m) must be at least 8 KiB per lane (p)");
  }
  if (phc.memory_kib > kPhcMaxMemoryKib) {
    return Invalid(absl::StrCat("memory (m) must be at most ", kPhcMaxMemoryKib, " KiB"));
  }

  if (!Base64DecodeUnpadded(fields[4], &phc.salt)) return Invalid("salt is not valid base64");
  if (phc.salt.size() < kPhcMinSaltBytes || phc.salt.size() > kPhcMaxSaltBytes) {
    return Invalid(
        absl::StrCat("salt must be ", kPhcMinSaltBytes, " to ", kPhcMaxSaltBytes, " bytes"));
  }
  if (!Base64DecodeUnpadded(fields[5], &phc.hash)) return Invalid("hash is not valid base64");
  if (phc.hash.size() < kPhcMinHashBytes || phc.hash.size() > kPhcMaxHashBytes) {
    return Invalid(
        absl::StrCat("hash must be ", kPhcMinHashBytes, " to ", kPhcMaxHashBytes, " bytes"));
  }
  return phc;
}

std::string FormatPhcString(const PhcString& phc) {
  return absl::StrCat("$", phc.algorithm, "$v=", phc.version, "$m=", phc.memory_kib,
                      ",t=", phc.iterations, ",p=", phc.parallelism, "$",
                      Base64EncodeUnpadded(phc.salt), "$", Base64EncodeUnpadded(phc.hash));
}

}  // namespace auth::hashing::internal
