// MFA tickets; see mfa_ticket.h.
#include "services/auth/mfa/mfa_ticket.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/authn/credentials.h"
#include "libs/crypto/random_token.h"
#include "libs/crypto/sha256.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

namespace {
constexpr char kMfaTicketCookie[] = "mfa-ticket";
}  // namespace

absl::StatusOr<MfaTicket> NewMfaTicket() {
  absl::StatusOr<std::string> ticket = crypto::NewRandomToken(32);
  if (!ticket.ok()) return ticket.status();
  MfaTicket result;
  result.digest = MfaTicketDigest(*ticket);
  result.ticket = *std::move(ticket);
  return result;
}

std::string MfaTicketDigest(absl::string_view ticket) { return crypto::Sha256Hex(ticket); }

std::string MfaTicketCookieName(const SessionCookieNames& names) {
  return absl::StrCat(names.prefix, kMfaTicketCookie);
}

std::string SetMfaTicketCookie(const SessionCookieNames& names, absl::string_view ticket) {
  return authn::MakeSetCookie(MfaTicketCookieName(names), ticket, kMfaTicketLifetime,
                              names.RefreshTokenPath());
}

std::string ExpiredMfaTicketCookie(const SessionCookieNames& names) {
  return authn::MakeSetCookie(MfaTicketCookieName(names), "", absl::ZeroDuration(),
                              names.RefreshTokenPath());
}

std::optional<std::string> MfaTicketCookie(const authn::Headers& headers,
                                           const SessionCookieNames& names) {
  return authn::UnambiguousCookie(headers, MfaTicketCookieName(names));
}

}  // namespace auth::service
