// ParseRegistrationResponse, ParseAuthenticationResponse; see credential_json.h.
#include "services/auth/passkey/credential_json.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/token/internal/base64url.h"
#include "nlohmann/json.hpp"

namespace auth::service {
namespace {

// A base64url member of `object`, decoded; "" if it is missing and not required.
absl::StatusOr<std::string> Member(const nlohmann::json& object, const char* name, bool required) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (!required) return std::string();
    return absl::InvalidArgumentError(absl::StrCat("credential_json has no ", name));
  }
  if (!it->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("credential_json ", name, " is not a string"));
  }
  absl::StatusOr<std::string> decoded = token::internal::Base64UrlDecode(it->get<std::string>());
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("credential_json ", name, " is not base64url"));
  }
  return decoded;
}

// The checks both forms share: JSON within the limit, type "public-key", rawId decoded and
// equal to id; returns the response object and sets `*credential_id`.
absl::StatusOr<nlohmann::json> Envelope(absl::string_view json, absl::string_view what,
                                        std::string* credential_id) {
  const absl::Status malformed =
      absl::InvalidArgumentError(absl::StrCat("credential_json is not a ", what));
  if (json.empty() || json.size() > kMaxCredentialJsonBytes) return malformed;
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return malformed;
  const auto type = parsed.find("type");
  if (type == parsed.end() || *type != "public-key") return malformed;
  const auto id = parsed.find("id");
  if (id == parsed.end() || !id->is_string()) return malformed;
  absl::StatusOr<std::string> raw_id = Member(parsed, "rawId", /*required=*/true);
  if (!raw_id.ok() || raw_id->empty()) return malformed;
  // id is rawId's base64url: two that differ are a forged or broken credential.
  absl::StatusOr<std::string> id_bytes = token::internal::Base64UrlDecode(id->get<std::string>());
  if (!id_bytes.ok() || *id_bytes != *raw_id) return malformed;
  const auto response = parsed.find("response");
  if (response == parsed.end() || !response->is_object()) return malformed;
  *credential_id = *std::move(raw_id);
  return *response;
}

}  // namespace

absl::StatusOr<RegistrationResponse> ParseRegistrationResponse(absl::string_view json) {
  RegistrationResponse parsed;
  absl::StatusOr<nlohmann::json> response =
      Envelope(json, "RegistrationResponseJSON", &parsed.credential_id);
  if (!response.ok()) return response.status();
  absl::StatusOr<std::string> client_data = Member(*response, "clientDataJSON", true);
  if (!client_data.ok()) return client_data.status();
  absl::StatusOr<std::string> attestation = Member(*response, "attestationObject", true);
  if (!attestation.ok()) return attestation.status();
  parsed.client_data_json = *std::move(client_data);
  parsed.attestation_object = *std::move(attestation);
  return parsed;
}

absl::StatusOr<AuthenticationResponse> ParseAuthenticationResponse(absl::string_view json) {
  AuthenticationResponse parsed;
  absl::StatusOr<nlohmann::json> response =
      Envelope(json, "AuthenticationResponseJSON", &parsed.credential_id);
  if (!response.ok()) return response.status();
  absl::StatusOr<std::string> client_data = Member(*response, "clientDataJSON", true);
  if (!client_data.ok()) return client_data.status();
  absl::StatusOr<std::string> authenticator_data = Member(*response, "authenticatorData", true);
  if (!authenticator_data.ok()) return authenticator_data.status();
  absl::StatusOr<std::string> signature = Member(*response, "signature", true);
  if (!signature.ok()) return signature.status();
  absl::StatusOr<std::string> user_handle = Member(*response, "userHandle", false);
  if (!user_handle.ok()) return user_handle.status();
  parsed.client_data_json = *std::move(client_data);
  parsed.authenticator_data = *std::move(authenticator_data);
  parsed.signature = *std::move(signature);
  parsed.user_handle = *std::move(user_handle);
  return parsed;
}

}  // namespace auth::service
