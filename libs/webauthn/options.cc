#include "libs/webauthn/options.h"

#include <openssl/rand.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/token/internal/base64url.h"
#include "libs/webauthn/cose_key.h"
#include "nlohmann/json.hpp"

namespace auth::webauthn {
namespace {

using token::internal::Base64UrlEncode;

nlohmann::json CredentialDescriptors(const std::vector<std::string>& ids) {
  nlohmann::json descriptors = nlohmann::json::array();
  for (const std::string& id : ids) {
    descriptors.push_back({{"type", "public-key"}, {"id", Base64UrlEncode(id)}});
  }
  return descriptors;
}

}  // namespace

absl::StatusOr<std::string> NewRandomBytes(size_t size) {
  std::string bytes(size, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size()) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return bytes;
}

std::string CreationOptionsJson(const CreationOptions& options) {
  nlohmann::json parameters = nlohmann::json::array();
  for (CoseAlgorithm algorithm : {CoseAlgorithm::kEdDsa, CoseAlgorithm::kEs256}) {
    parameters.push_back({{"type", "public-key"}, {"alg", static_cast<int64_t>(algorithm)}});
  }
  const nlohmann::json json = {
      {"challenge", Base64UrlEncode(options.challenge)},
      {"rp", {{"id", options.rp_id}, {"name", options.rp_name}}},
      {"user",
       {{"id", Base64UrlEncode(options.user_handle)},
        {"name", options.user_name},
        {"displayName", options.user_display_name}}},
      {"pubKeyCredParams", parameters},
      {"timeout", absl::ToInt64Milliseconds(options.timeout)},
      {"excludeCredentials", CredentialDescriptors(options.exclude_credential_ids)},
      {"authenticatorSelection",
       {{"residentKey", "required"},
        {"requireResidentKey", true},
        {"userVerification", "required"}}},
      {"attestation", "none"},
  };
  // Names come from users: invalid UTF-8 is replaced rather than thrown on.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string RequestOptionsJson(const RequestOptions& options) {
  const nlohmann::json json = {
      {"challenge", Base64UrlEncode(options.challenge)},
      {"rpId", options.rp_id},
      {"allowCredentials", CredentialDescriptors(options.allow_credential_ids)},
      {"userVerification", "required"},
      {"timeout", absl::ToInt64Milliseconds(options.timeout)},
  };
  // Names come from users: invalid UTF-8 is replaced rather than thrown on.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace auth::webauthn
