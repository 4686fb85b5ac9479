// BuildOtpauthUri, ParseOtpauthUri, PercentEncode, PercentDecode; see otpauth_uri.h.
#include "libs/otp/otpauth_uri.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "libs/otp/base32.h"

namespace auth::otp {
namespace {

constexpr absl::string_view kPrefix = "otpauth://totp/";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One query parameter, checked for repetition: `seen` is set the first time.
absl::Status CheckOnce(bool& seen, absl::string_view name) {
  if (seen) return absl::InvalidArgumentError(absl::StrCat("otpauth: repeated ", name));
  seen = true;
  return absl::OkStatus();
}

}  // namespace

std::string PercentEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return absl::InvalidArgumentError("otpauth: '%' without two hex digits");
    }
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError("otpauth: '%' without two hex digits");
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

absl::StatusOr<std::string> BuildOtpauthUri(const OtpauthUri& uri) {
  if (uri.issuer.empty()) return absl::InvalidArgumentError("otpauth: empty issuer");
  if (absl::StrContains(uri.issuer, ':')) {
    return absl::InvalidArgumentError("otpauth: the issuer may not contain ':'");
  }
  if (uri.account.empty()) return absl::InvalidArgumentError("otpauth: empty account");
  if (uri.secret.empty()) return absl::InvalidArgumentError("otpauth: empty secret");
  const std::string issuer = PercentEncode(uri.issuer);
  return absl::StrCat(kPrefix, issuer, ":", PercentEncode(uri.account),
                      "?secret=", Base32Encode(uri.secret), "&issuer=", issuer,
                      "&algorithm=SHA1&digits=6&period=30");
}

absl::StatusOr<OtpauthUri> ParseOtpauthUri(absl::string_view uri) {
  if (!absl::ConsumePrefix(&uri, kPrefix)) {
    return absl::InvalidArgumentError("otpauth: not an otpauth://totp/ URI");
  }
  const size_t question = uri.find('?');
  if (question == absl::string_view::npos) {
    return absl::InvalidArgumentError("otpauth: no parameters");
  }
  const absl::string_view label = uri.substr(0, question);
  const absl::string_view query = uri.substr(question + 1);

  OtpauthUri parsed;
  // The label's separator is its first ':', literal or encoded.
  size_t separator = label.find(':');
  size_t separator_length = 1;
  const size_t encoded_separator = absl::AsciiStrToLower(label).find("%3a");
  if (encoded_separator < separator) {
    separator = encoded_separator;
    separator_length = 3;
  }
  absl::string_view account_part = label;
  if (separator != absl::string_view::npos) {
    absl::StatusOr<std::string> issuer = PercentDecode(label.substr(0, separator));
    if (!issuer.ok()) return issuer.status();
    if (issuer->empty()) return absl::InvalidArgumentError("otpauth: empty issuer in the label");
    parsed.issuer = *std::move(issuer);
    account_part = label.substr(separator + separator_length);
  }
  absl::StatusOr<std::string> account = PercentDecode(account_part);
  if (!account.ok()) return account.status();
  if (account->empty()) return absl::InvalidArgumentError("otpauth: empty account");
  parsed.account = *std::move(account);

  bool seen_secret = false, seen_issuer = false, seen_algorithm = false, seen_digits = false,
       seen_period = false;
  for (absl::string_view parameter : absl::StrSplit(query, '&')) {
    const size_t equals = parameter.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError("otpauth: a parameter without '='");
    }
    const absl::string_view name = parameter.substr(0, equals);
    absl::StatusOr<std::string> value = PercentDecode(parameter.substr(equals + 1));
    if (!value.ok()) return value.status();
    absl::Status once;
    if (name == "secret") {
      once = CheckOnce(seen_secret, name);
      if (!once.ok()) return once;
      absl::StatusOr<std::string> secret = Base32Decode(*value);
      if (!secret.ok()) return secret.status();
      parsed.secret = *std::move(secret);
    } else if (name == "issuer") {
      once = CheckOnce(seen_issuer, name);
      if (!once.ok()) return once;
      if (value->empty()) return absl::InvalidArgumentError("otpauth: empty issuer");
      if (!parsed.issuer.empty() && parsed.issuer != *value) {
        return absl::InvalidArgumentError("otpauth: the issuer differs from the label's");
      }
      parsed.issuer = *std::move(value);
    } else if (name == "algorithm") {
      once = CheckOnce(seen_algorithm, name);
      if (!once.ok()) return once;
      if (*value != "SHA1") return absl::InvalidArgumentError("otpauth: algorithm is not SHA1");
    } else if (name == "digits") {
      once = CheckOnce(seen_digits, name);
      if (!once.ok()) return once;
      if (*value != "6") return absl::InvalidArgumentError("otpauth: digits is not 6");
    } else if (name == "period") {
      once = CheckOnce(seen_period, name);
      if (!once.ok()) return once;
      if (*value != "30") return absl::InvalidArgumentError("otpauth: period is not 30");
    } else {
      return absl::InvalidArgumentError("otpauth: an unknown parameter");
    }
  }
  if (!seen_secret) return absl::InvalidArgumentError("otpauth: no secret");
  return parsed;
}

}  // namespace auth::otp
