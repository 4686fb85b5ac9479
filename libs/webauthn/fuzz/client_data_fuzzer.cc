// Fuzzes clientDataJSON parsing (nlohmann_json, base64url, the member checks). Beyond the
// sanitizers: every refusal is kInvalidArgument or kUnauthenticated, never anything else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/webauthn/client_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace webauthn = ::auth::webauthn;
  const absl::string_view json(reinterpret_cast<const char*>(data), size);
  const webauthn::ClientDataExpectation expected{
      webauthn::CeremonyType::kGet, std::string(32, 'c'), {"http://localhost:8080"}};
  const absl::Status status = webauthn::VerifyClientData(json, expected);
  if (!status.ok() && status.code() != absl::StatusCode::kInvalidArgument &&
      status.code() != absl::StatusCode::kUnauthenticated) {
    std::abort();
  }
  return 0;
}
