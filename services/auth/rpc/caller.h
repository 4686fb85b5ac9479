// Who is calling: the peer a call counts against (abuse limits, audit, sessions). That is the
// gRPC peer or, for a call that the server's own HTTP front (services/auth/http) made over the
// in-process channel, the HTTP client's IP address that the front forwarded in
// kClientAddressMetadata (as a plain address: nothing to format into a peer URI and parse back).
//
//   session.client_address = CallerPeer(*context);  // "ipv4:203.0.113.7:51234" or "203.0.113.7"
//   const std::string address = CallerAddress(*context);  // "203.0.113.7": the limits' key
//
// The metadata is believed only on calls whose peer is the in-process channel, which no
// network client can reach: a gRPC client that sends it over TCP or a unix socket is counted
// by its own address, so it cannot forge one.
//
// Behind a proxy every client would have the proxy's address. So a peer in the process's
// TrustedProxies (--trusted_proxies, set once at start by SetTrustedProxies) is believed about
// whom it forwards for: the client is the rightmost entry of X-Forwarded-For (HTTP) or
// x-forwarded-for metadata (gRPC) that is not itself a trusted proxy. Entries left of it were
// written by the client and prove nothing. Any other peer's X-Forwarded-For is ignored.
#ifndef SERVICES_AUTH_RPC_CALLER_H_
#define SERVICES_AUTH_RPC_CALLER_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"

namespace auth::service {

// Metadata key of the HTTP client's IP address ("203.0.113.7", "2001:db8::1").
inline constexpr char kClientAddressMetadata[] = "x-auth-client-address";

// Metadata key (and, over HTTP, header) that proxies append the addresses they forward for to.
inline constexpr char kForwardedForMetadata[] = "x-forwarded-for";

// Networks whose peers are proxies believed about whom they forward for. Immutable.
class TrustedProxies {
 public:
  TrustedProxies() = default;  // none: every peer is the client

  // From CIDR networks ("10.0.0.0/8", "2001:db8::/32"; a bare address is a /32 or /128).
  // kInvalidArgument naming the first entry that is not one.
  static absl::StatusOr<TrustedProxies> Parse(const std::vector<std::string>& networks);

  bool empty() const { return networks_.empty(); }

  // Whether `ip` (a plain address; an IPv4-mapped IPv6 one counts as its IPv4 address) lies in
  // one of the networks.
  bool Contains(absl::string_view ip) const;

  // The client's IP address for a request from `peer_ip` carrying `forwarded_for` (the
  // X-Forwarded-For values in the order received, each a comma-separated list): `peer_ip`
  // itself unless it is trusted; else the rightmost entry that is not trusted (or, if every
  // entry is, the leftmost). An entry is an IP address, optionally bracketed and with a port
  // ("[2001:db8::1]:443", "203.0.113.7:5000"), returned as the plain address; one that is not
  // an address is returned as it is (at most 128 bytes), so that it still limits itself.
  std::string ClientIp(absl::string_view peer_ip,
                       const std::vector<absl::string_view>& forwarded_for) const;

 private:
  struct Network {
    bool ipv6 = false;
    std::array<uint8_t, 16> bytes{};  // the first 4 for IPv4
    int prefix_bits = 0;
  };
  std::vector<Network> networks_;
};

// The process's trusted proxies, used by CallerPeer(), CallerAddress() and the HTTP front.
// AuthServer sets them before it serves (one process serves one configuration); thread-safe.
void SetTrustedProxies(TrustedProxies proxies);

// Whether `ip` (a plain address) is one of the process's trusted proxies: the HTTP front bounds
// its connections by the total only, not per address (they carry many clients each).
bool IsTrustedProxy(absl::string_view ip);

// The client IP the HTTP front counts a request against: TrustedProxies::ClientIp() of the
// process's trusted proxies for the TCP peer `peer_ip` and the request's X-Forwarded-For
// values.
std::string ForwardedClientIp(absl::string_view peer_ip,
                              const std::vector<absl::string_view>& forwarded_for);

// The plain IP address of a gRPC peer URI ("ipv4:1.2.3.4:5" -> "1.2.3.4", the percent-encoded
// IPv6 form -> "2001:db8::1"); empty for a unix socket or anything that is not an address.
std::string PeerIp(absl::string_view peer);

// The peer of a call on gRPC's in-process transport: gRPC 1.51 has none to report and says
// "unknown", where every network transport reports a URI ("ipv4:...", "ipv6:...", "unix:...").
// attempt_gate_service_test fails if a gRPC update changes that.
inline constexpr char kInProcessPeer[] = "unknown";

// `peer` unless it is kInProcessPeer and `client_metadata` holds one kClientAddressMetadata
// value (then that value), or the peer is a trusted proxy (then the client IP it forwards for,
// from its x-forwarded-for metadata).
std::string CallerPeer(absl::string_view peer,
                       const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata);

// The same for a server call.
std::string CallerPeer(const grpc::ServerContextBase& context);

// The client's address from a gRPC peer string, a URI: "ipv4:1.2.3.4:5", "unix:/path", and
// IPv6 percent-encoded as gRPC 1.51 writes it ("ipv6:%5B2001:db8::1%5D:5", with a zone
// "ipv6:%5Bfe80::1%25eth0%5D:5"; the unencoded "ipv6:[::1]:5" is read too), normalised into the
// key the abuse limits and the audit log use: the port is stripped; an IPv4-mapped IPv6 address
// counts as its IPv4 address, and an IPv6 address as its /64 prefix (one customer typically
// holds a whole /64, so per-address limits on single IPv6 addresses would be trivially
// bypassed); every local (unix socket) client shares the key "unix"; the zone is dropped.
// Anything unparsable is returned whole (at most 128 bytes), so that it still limits itself;
// an empty one is "unknown".
std::string ClientAddress(absl::string_view peer);

// An IP address ("203.0.113.7", "2001:db8::1", "::ffff:198.51.100.4") as ClientAddress()
// keys it: the IPv4 address, the IPv6 /64 prefix, the IPv4 address of an IPv4-mapped one.
std::string AddressKey(absl::string_view ip);

// The limit key of a server call's caller: AddressKey() of the forwarded address of an
// in-process call or of a trusted proxy's call (see above), ClientAddress() of the gRPC peer of
// any other.
std::string CallerAddress(const grpc::ServerContextBase& context);

}  // namespace auth::service

#endif  // SERVICES_AUTH_RPC_CALLER_H_
