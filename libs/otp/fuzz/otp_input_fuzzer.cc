// Fuzzes what //libs/otp reads from people and from storage. The first byte picks the parser,
// the rest is its input. Beyond the sanitizers, each accepted input must mean one thing:
//   0 Base32Decode: re-encoding gives the input back, uppercased, without spaces and padding
//     (one spelling per secret, no stray bits);
//   1 ParseOtpauthUri: what parses builds a URI that parses to the same fields; PercentDecode
//     undoes PercentEncode;
//   2 TotpVerifier::Verify: a code it accepts is 6 digits and the code of the step it returns,
//     and CheckTotpCodeFormat agrees with it on what is malformed;
//   3 NormalizeRecoveryCode: the result is 12 characters of the alphabet and normalises to
//     itself;
//   4 SecretSealer::Open: nothing opens under a key the fuzzer never sealed with (forgery).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/otp/base32.h"
#include "libs/otp/otpauth_uri.h"
#include "libs/otp/recovery_codes.h"
#include "libs/otp/secret_sealer.h"
#include "libs/otp/totp.h"

namespace {

namespace otp = ::auth::otp;

void CheckBase32(absl::string_view text) {
  absl::StatusOr<std::string> bytes = otp::Base32Decode(text);
  if (!bytes.ok()) return;
  std::string canonical;
  for (char c : text) {
    if (c != ' ' && c != '=')
      canonical.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  if (otp::Base32Encode(*bytes) != canonical) std::abort();
}

void CheckOtpauthUri(absl::string_view text) {
  absl::StatusOr<std::string> decoded = otp::PercentDecode(otp::PercentEncode(text));
  if (!decoded.ok() || *decoded != text) std::abort();
  absl::StatusOr<otp::OtpauthUri> uri = otp::ParseOtpauthUri(text);
  if (!uri.ok()) return;
  if (uri->account.empty() || uri->secret.empty()) std::abort();
  absl::StatusOr<std::string> rebuilt = otp::BuildOtpauthUri(*uri);
  if (!rebuilt.ok()) return;  // no issuer, or one with ':' (an app's URI, not ours)
  absl::StatusOr<otp::OtpauthUri> again = otp::ParseOtpauthUri(*rebuilt);
  if (!again.ok() || again->issuer != uri->issuer || again->account != uri->account ||
      again->secret != uri->secret) {
    std::abort();
  }
}

void CheckTotpCode(absl::string_view code) {
  static constexpr absl::string_view kSecret = "12345678901234567890";
  const absl::Time now = absl::FromUnixSeconds(1111111111);
  absl::StatusOr<int64_t> step =
      otp::TotpVerifier().Verify(kSecret, code, now, otp::kNoTotpStepUsed);
  const bool malformed = !otp::CheckTotpCodeFormat(code).ok();
  if (malformed != (step.status().code() == absl::StatusCode::kInvalidArgument)) std::abort();
  if (!step.ok()) return;
  absl::StatusOr<std::string> expected = otp::HotpCode(kSecret, *step);
  if (!expected.ok() || *expected != code) std::abort();
}

void CheckRecoveryCode(absl::string_view typed) {
  absl::StatusOr<std::string> code = otp::NormalizeRecoveryCode(typed);
  if (!code.ok()) return;
  if (code->size() != static_cast<size_t>(otp::kRecoveryCodeCharacters)) std::abort();
  for (char c : *code) {
    if (absl::string_view("0123456789abcdefghjkmnpqrstvwxyz").find(c) == absl::string_view::npos) {
      std::abort();
    }
  }
  absl::StatusOr<std::string> again = otp::NormalizeRecoveryCode(*code);
  if (!again.ok() || *again != *code) std::abort();
}

void CheckSealed(absl::string_view sealed) {
  static const otp::SecretSealer* const sealer = [] {
    absl::StatusOr<otp::SealingKey> key = otp::SealingKey::FromBytes(std::string(32, 'k'));
    if (!key.ok()) std::abort();
    return new otp::SecretSealer(*std::move(key));
  }();
  if (sealer->Open(sealed, 42).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Seeds start with a digit naming the parser: "0" base32 ... "4" sealed.
  switch (static_cast<uint8_t>(data[0] - '0') % 5) {
    case 0:
      CheckBase32(input);
      break;
    case 1:
      CheckOtpauthUri(input);
      break;
    case 2:
      CheckTotpCode(input);
      break;
    case 3:
      CheckRecoveryCode(input);
      break;
    default:
      CheckSealed(input);
      break;
  }
  return 0;
}
