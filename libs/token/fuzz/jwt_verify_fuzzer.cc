// Fuzzes JwtVerifier::Verify, the first code of ours to touch a caller's token.
//
// Input: one mode byte, then the body.
//   mode even: the body is the token, verbatim. Reaches the size limit, compact-JWS parsing and
//              every header check up to the signature (which the fuzzer cannot forge).
//   mode odd:  the body is "<header JSON>\n<claims bytes>"; the fuzzer signs them itself with
//              the key the mode's second bit picks (Ed25519 or HS256), so the code behind the
//              signature check (strict claims parsing, issuer/audience/time checks) is reached.
// Checks, beyond the sanitizers: every rejection is kUnauthenticated and does not echo the
// signature; every acceptance satisfies the options the verifier was built with.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/token/fuzz/fuzz_keys.h"
#include "libs/token/internal/compact_jws.h"
#include "libs/token/jwt.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "libs/token/token.h"

namespace auth::token {
namespace {

const JwtVerifier& Verifier() {
  static const JwtVerifier* const verifier = [] {
    JwtVerifierOptions options;
    options.issuer = fuzz::kIssuer;
    options.audience = fuzz::kAudience;
    options.clock = [] { return fuzz::Now(); };
    return new JwtVerifier(fuzz::TestKeySet(), options);
  }();
  return *verifier;
}

// The token's third part, the signature, or empty if there is none.
absl::string_view SignaturePart(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  return parts.size() == 3 ? parts[2] : absl::string_view();
}

void CheckVerify(absl::string_view token) {
  absl::StatusOr<TokenClaims> claims = Verifier().Verify(token);
  if (!claims.ok()) {
    if (claims.status().code() != absl::StatusCode::kUnauthenticated) std::abort();
    // Error messages name the failed check, never the token. A signature part is base64url
    // with no spaces, so it cannot match any of the messages' words by accident.
    absl::string_view signature = SignaturePart(token);
    if (signature.size() >= 16 && absl::StrContains(claims.status().message(), signature)) {
      std::abort();
    }
    return;
  }
  const absl::Time now = fuzz::Now();
  const absl::Duration leeway = JwtVerifierOptions().leeway;
  if (claims->issuer != fuzz::kIssuer || claims->audience != fuzz::kAudience) std::abort();
  if (claims->key_id != fuzz::kEd25519Kid && claims->key_id != fuzz::kHs256Kid) std::abort();
  if (now >= claims->expires_at + leeway || claims->not_before > now + leeway ||
      claims->issued_at > now + leeway) {
    std::abort();
  }
  // Verification is a pure function of the token (the clock is fixed).
  absl::StatusOr<TokenClaims> again = Verifier().Verify(token);
  if (!again.ok() || again->subject != claims->subject || again->jwt_id != claims->jwt_id) {
    std::abort();
  }
}

void SignAndVerify(bool use_hs256, absl::string_view body) {
  const size_t newline = body.find('\n');
  if (newline == absl::string_view::npos) return;
  const absl::string_view header = body.substr(0, newline);
  const absl::string_view payload = body.substr(newline + 1);
  const KeySet& keys = fuzz::TestKeySet();
  const Key* key = keys.Find(use_hs256 ? fuzz::kHs256Kid : fuzz::kEd25519Kid);
  if (key == nullptr) std::abort();
  const std::string signing_input = internal::MakeSigningInput(header, payload);
  absl::StatusOr<std::string> signature = key->Sign(signing_input);
  if (!signature.ok()) std::abort();
  CheckVerify(internal::AppendSignature(signing_input, *signature));
}

}  // namespace
}  // namespace auth::token

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((mode & 1) == 0) {
    auth::token::CheckVerify(body);
  } else {
    auth::token::SignAndVerify((mode & 2) != 0, body);
  }
  return 0;
}
