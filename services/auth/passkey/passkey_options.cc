// ValidatePasskeyOptions; see passkey_options.h.
#include "services/auth/passkey/passkey_options.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace auth::service {
namespace {

// A DNS name in lowercase: labels of letters, digits and inner hyphens. Browsers refuse an IP
// address as an RP ID, so one is refused here too (its last label would be all digits).
bool IsHostName(absl::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  absl::string_view last_label;
  for (absl::string_view rest = host; !rest.empty();) {
    const size_t dot = rest.find('.');
    const absl::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') return false;
    }
    last_label = label;
    if (dot == absl::string_view::npos) break;
    rest.remove_prefix(dot + 1);
    if (rest.empty()) return false;  // a trailing dot
  }
  for (const char c : last_label) {
    if (!absl::ascii_isdigit(c)) return true;
  }
  return false;
}

absl::Status CheckOrigin(absl::string_view origin, absl::string_view rp_id) {
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("--webauthn_origins: \"", origin, "\" ", why));
  };
  absl::string_view rest = origin;
  bool https = true;
  if (absl::ConsumePrefix(&rest, "https://")) {
  } else if (absl::ConsumePrefix(&rest, "http://")) {
    https = false;
  } else {
    return bad("must start with https:// (or http:// for localhost)");
  }
  absl::string_view host = rest;
  if (const size_t colon = rest.find(':'); colon != absl::string_view::npos) {
    host = rest.substr(0, colon);
    int port = 0;
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &port) || port < 1 || port > 65535) {
      return bad("has a bad port");
    }
  }
  if (!IsHostName(host)) return bad("must be scheme://host[:port] with no path");
  if (!https && host != "localhost") return bad("may use http:// only for localhost");
  if (host != rp_id && !absl::EndsWith(host, absl::StrCat(".", rp_id))) {
    return bad("has a host that is neither --webauthn_rp_id nor under it");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePasskeyOptions(const PasskeyOptions& options) {
  if (options.rp_id.empty()) {
    if (!options.origins.empty()) {
      return absl::InvalidArgumentError("--webauthn_origins needs --webauthn_rp_id");
    }
    return absl::OkStatus();
  }
  if (!IsHostName(options.rp_id)) {
    return absl::InvalidArgumentError(
        "--webauthn_rp_id must be a lowercase host name (not an IP address)");
  }
  if (options.origins.empty()) {
    return absl::InvalidArgumentError("--webauthn_rp_id needs --webauthn_origins");
  }
  for (const std::string& origin : options.origins) {
    if (absl::Status valid = CheckOrigin(origin, options.rp_id); !valid.ok()) return valid;
  }
  if (options.ceremony_lifetime < kMinCeremonyLifetime ||
      options.ceremony_lifetime > kMaxCeremonyLifetime) {
    return absl::InvalidArgumentError("--webauthn_ceremony_lifetime must be within 1s-30m");
  }
  if (options.ceremonies_per_address < 0) {
    return absl::InvalidArgumentError("--webauthn_ceremonies_per_address must not be negative");
  }
  return absl::OkStatus();
}

}  // namespace auth::service
