// Base32Encode, Base32Decode; see base32.h.
#include "libs/otp/base32.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace auth::otp {
namespace {

constexpr absl::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// The 5-bit value of a base32 character in either case, or -1.
int CharValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// Whether `length` characters of the last group of 8 can be what a byte string encodes: 2, 4,
// 5 and 7 characters carry 1 to 4 bytes; 1, 3 and 6 cannot end an encoding.
bool IsPossibleTailLength(size_t length) {
  return length == 0 || length == 2 || length == 4 || length == 5 || length == 7;
}

}  // namespace

std::string Base32Encode(absl::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (char byte : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(byte);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text.push_back(kAlphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) text.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return text;
}

absl::StatusOr<std::string> Base32Decode(absl::string_view text) {
  std::string bytes;
  bytes.reserve(text.size() * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  size_t characters = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) {
      return absl::InvalidArgumentError("base32: padding ('=') may only come last");
    }
    const int value = CharValue(c);
    if (value < 0) {
      return absl::InvalidArgumentError(
          "base32: only the letters A-Z and the digits 2-7 (and spaces) may appear");
    }
    ++characters;
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (characters == 0) return absl::InvalidArgumentError("base32: empty");
  if (!IsPossibleTailLength(characters % 8)) {
    return absl::InvalidArgumentError("base32: the length is not that of any encoded bytes");
  }
  if (padding > 0 && (padding >= 8 || (characters + padding) % 8 != 0)) {
    return absl::InvalidArgumentError("base32: incomplete padding");
  }
  if ((buffer & ((1u << bits) - 1)) != 0) {
    return absl::InvalidArgumentError("base32: the last character has stray bits (mistyped?)");
  }
  return bytes;
}

}  // namespace auth::otp
