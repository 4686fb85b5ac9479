// MFA tickets: what Login hands out, instead of a session, after the right password of an
// account with a second factor; CompleteLogin takes one back with a code. 32 random bytes
// (base64url), stored only as their SHA-256 digest, single use, 5 minutes, one user
// (SecondFactorRepository). Over HTTP the ticket also travels as an HttpOnly cookie, so a page
// need not hold it:
//
//   absl::StatusOr<MfaTicket> ticket = NewMfaTicket();
//   context->AddInitialMetadata(authn::kSetCookieHeader, SetMfaTicketCookie(names,
//   ticket->ticket)); std::optional<std::string> presented = MfaTicketCookie(headers, names);   //
//   CompleteLogin
#ifndef SERVICES_AUTH_MFA_MFA_TICKET_H_
#define SERVICES_AUTH_MFA_MFA_TICKET_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/authn/credentials.h"
#include "services/auth/session/session_cookies.h"

namespace auth::service {

inline constexpr absl::Duration kMfaTicketLifetime = absl::Minutes(5);
// A bound far above the tickets we issue (43 characters): a hostile one costs nothing to refuse.
inline constexpr size_t kMaxMfaTicketBytes = 256;

struct MfaTicket {
  std::string ticket;  // for the client: base64url of 32 random bytes
  std::string digest;  // for the table: SHA-256 of `ticket`, 64 lowercase hex digits
};

// A new ticket from the CSPRNG; kInternal if it fails.
absl::StatusOr<MfaTicket> NewMfaTicket();

// The digest stored for a presented ticket.
std::string MfaTicketDigest(absl::string_view ticket);

// The cookie's name: "mfa-ticket" after --cookie_prefix.
std::string MfaTicketCookieName(const SessionCookieNames& names);

// `set-cookie` values: the ticket (HttpOnly, Secure, SameSite=Strict, Max-Age 300, the path of
// the refresh-token cookie: AuthService's routes, or "/" under __Host-), and its expiry.
std::string SetMfaTicketCookie(const SessionCookieNames& names, absl::string_view ticket);
std::string ExpiredMfaTicketCookie(const SessionCookieNames& names);

// The ticket cookie of the `cookie` headers in `headers`; nullopt if there is none or several
// differ.
std::optional<std::string> MfaTicketCookie(const authn::Headers& headers,
                                           const SessionCookieNames& names);

}  // namespace auth::service

#endif  // SERVICES_AUTH_MFA_MFA_TICKET_H_
