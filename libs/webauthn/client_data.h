// clientDataJSON (WebAuthn Level 3 section 5.8.1) parsed as JSON, never compared as text: the
// browser's serialization may add members or order them differently, and a textual comparison
// would either break on that or accept what a parser reads differently.
//
//   ClientDataExpectation expected{CeremonyType::kGet, challenge, {"https://example.com"}};
//   absl::Status ok = VerifyClientData(client_data_json, expected);
//
// kInvalidArgument for input over kMaxClientDataBytes, malformed JSON, a top-level member given
// twice or members of the wrong type; kUnauthenticated for a well-formed client data that does not
// match: another ceremony type, another challenge (compared in constant time), an origin outside
// the list, crossOrigin true, or topOrigin present.
#ifndef LIBS_WEBAUTHN_CLIENT_DATA_H_
#define LIBS_WEBAUTHN_CLIENT_DATA_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace auth::webauthn {

// Browsers send a few hundred bytes; a long origin list is not how this gets large.
inline constexpr size_t kMaxClientDataBytes = 8192;

enum class CeremonyType {
  kCreate,  // "webauthn.create": registration
  kGet,     // "webauthn.get": assertion
};

struct ClientDataExpectation {
  CeremonyType type = CeremonyType::kGet;
  std::string challenge;             // the raw bytes the ceremony issued (32)
  std::vector<std::string> origins;  // exact matches, e.g. "https://auth.example.com"
};

absl::Status VerifyClientData(absl::string_view client_data_json,
                              const ClientDataExpectation& expected);

}  // namespace auth::webauthn

#endif  // LIBS_WEBAUTHN_CLIENT_DATA_H_
