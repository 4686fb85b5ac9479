#include "libs/webauthn/client_data.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/token/internal/base64url.h"
#include "nlohmann/json.hpp"

namespace auth::webauthn {
namespace {

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("clientDataJSON: ", what));
}

absl::Status Mismatch(absl::string_view what) {
  return absl::UnauthenticatedError(absl::StrCat("clientDataJSON: ", what));
}

absl::StatusOr<std::string> RequiredString(const nlohmann::json& object, const char* name) {
  const auto member = object.find(name);
  if (member == object.end() || !member->is_string()) {
    return Invalid(absl::StrCat(name, " is missing or not a string"));
  }
  return member->get<std::string>();
}

}  // namespace

absl::Status VerifyClientData(absl::string_view client_data_json,
                              const ClientDataExpectation& expected) {
  if (client_data_json.size() > kMaxClientDataBytes) {
    return Invalid(absl::StrCat("longer than ", kMaxClientDataBytes, " bytes"));
  }
  // A member given twice would be read as its last value here and possibly as its first
  // elsewhere: refuse the ambiguity (browsers never send it).
  std::set<std::string> members;
  bool duplicate = false;
  const auto note_members = [&members, &duplicate](int depth, nlohmann::json::parse_event_t event,
                                                   nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 &&
        !members.insert(parsed.get<std::string>()).second) {
      duplicate = true;
    }
    return true;
  };
  const nlohmann::json client_data =
      nlohmann::json::parse(client_data_json.begin(), client_data_json.end(), note_members,
                            /*allow_exceptions=*/false);
  if (!client_data.is_object()) return Invalid("not a JSON object");
  if (duplicate) return Invalid("a member appears twice");

  absl::StatusOr<std::string> type = RequiredString(client_data, "type");
  if (!type.ok()) return type.status();
  const char* expected_type =
      expected.type == CeremonyType::kCreate ? "webauthn.create" : "webauthn.get";
  if (*type != expected_type) return Mismatch(absl::StrCat("type is not ", expected_type));

  absl::StatusOr<std::string> challenge_text = RequiredString(client_data, "challenge");
  if (!challenge_text.ok()) return challenge_text.status();
  absl::StatusOr<std::string> challenge = token::internal::Base64UrlDecode(*challenge_text);
  if (!challenge.ok()) return Invalid("challenge is not base64url");
  if (challenge->size() != expected.challenge.size() || expected.challenge.empty() ||
      CRYPTO_memcmp(challenge->data(), expected.challenge.data(), challenge->size()) != 0) {
    return Mismatch("challenge is not this ceremony's");
  }

  absl::StatusOr<std::string> origin = RequiredString(client_data, "origin");
  if (!origin.ok()) return origin.status();
  if (std::find(expected.origins.begin(), expected.origins.end(), *origin) ==
      expected.origins.end()) {
    return Mismatch("origin is not allowed");
  }

  // Only a same-origin ceremony is accepted: the pages that start ceremonies are the service's
  // own, never framed by another site.
  const auto cross_origin = client_data.find("crossOrigin");
  if (cross_origin != client_data.end()) {
    if (!cross_origin->is_boolean()) return Invalid("crossOrigin is not a boolean");
    if (cross_origin->get<bool>()) return Mismatch("cross-origin ceremonies are refused");
  }
  if (client_data.contains("topOrigin")) return Mismatch("topOrigin present: framed ceremony");
  return absl::OkStatus();
}

}  // namespace auth::webauthn
