// CallerPeer, ClientAddress: see caller.h.
#include "services/auth/rpc/caller.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace auth::service {
namespace {

// attempt_counters.counter_key holds 160 bytes; the longest limit prefix is 17.
constexpr size_t kMaxAddressBytes = 128;

// "[v6]:port" or "v4:port" -> the host part.
absl::string_view StripPort(absl::string_view host_port) {
  if (absl::ConsumePrefix(&host_port, "[")) {
    const size_t close = host_port.find(']');
    return close == absl::string_view::npos ? host_port : host_port.substr(0, close);
  }
  const size_t colon = host_port.rfind(':');
  return colon == absl::string_view::npos ? host_port : host_port.substr(0, colon);
}

std::string Truncated(absl::string_view text) {
  return std::string(text.substr(0, kMaxAddressBytes));
}

// gRPC's peer strings are URIs: it percent-encodes "[", "]" and "%" in IPv6 hosts
// ("ipv6:%5B2001:db8::1%5D:443", a zone as "%5Bfe80::1%25eth0%5D"). Decodes every valid "%XY";
// anything else is kept as it is.
std::string PercentDecoded(absl::string_view text) {
  const auto hex_value = [](char c) {
    return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
  };
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && absl::ascii_isxdigit(text[i + 1]) &&
        absl::ascii_isxdigit(text[i + 2])) {
      decoded.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

// An IPv6 address as its /64 prefix in RFC 5952 form ("2001:db8:1:2::/64", "::/64" for ::1),
// or its IPv4 address if it is IPv4-mapped.
std::string NormaliseIpv6(absl::string_view text) {
  // A zone ("fe80::1%eth0") names the server's interface, not the client.
  const size_t zone = text.find('%');
  if (zone != absl::string_view::npos) text = text.substr(0, zone);
  const std::string host(text);
  in6_addr address;
  if (text.empty() || inet_pton(AF_INET6, host.c_str(), &address) != 1) return Truncated(text);
  char buffer[INET6_ADDRSTRLEN];
  if (IN6_IS_ADDR_V4MAPPED(&address)) {
    in_addr v4;
    std::memcpy(&v4, &address.s6_addr[12], sizeof(v4));
    if (inet_ntop(AF_INET, &v4, buffer, sizeof(buffer)) == nullptr) return Truncated(text);
    return buffer;
  }
  std::memset(&address.s6_addr[8], 0, 8);
  if (inet_ntop(AF_INET6, &address, buffer, sizeof(buffer)) == nullptr) return Truncated(text);
  return absl::StrCat(buffer, "/64");
}

}  // namespace

std::string CallerPeer(absl::string_view peer,
                       const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata) {
  if (peer != kInProcessPeer) return std::string(peer);
  // Only the front calls in-process, and it sends exactly one value; anything else is kept as
  // the in-process peer rather than guessed at.
  if (client_metadata.count(kClientAddressMetadata) != 1) return std::string(peer);
  const grpc::string_ref value = client_metadata.find(kClientAddressMetadata)->second;
  return std::string(value.data(), value.size());
}

std::string CallerPeer(const grpc::ServerContextBase& context) {
  return CallerPeer(context.peer(), context.client_metadata());
}

std::string ClientAddress(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    const std::string host(StripPort(PercentDecoded(peer)));
    in_addr address;
    if (inet_pton(AF_INET, host.c_str(), &address) == 1) return host;
    return host.empty() ? "unknown" : Truncated(host);
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    const std::string host_port = PercentDecoded(peer);
    const std::string address = NormaliseIpv6(StripPort(host_port));
    return address.empty() ? "unknown" : address;
  }
  if (absl::StartsWith(peer, "unix:") || absl::StartsWith(peer, "unix-abstract:")) return "unix";
  return peer.empty() ? "unknown" : Truncated(peer);
}

std::string AddressKey(absl::string_view ip) {
  if (absl::StrContains(ip, ':')) {
    const std::string address = NormaliseIpv6(ip);
    return address.empty() ? "unknown" : address;
  }
  const std::string host(ip);
  in_addr address;
  if (inet_pton(AF_INET, host.c_str(), &address) == 1) return host;
  return host.empty() ? "unknown" : Truncated(host);
}

std::string CallerAddress(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  if (context.peer() == kInProcessPeer && metadata.count(kClientAddressMetadata) == 1) {
    const grpc::string_ref value = metadata.find(kClientAddressMetadata)->second;
    return AddressKey(absl::string_view(value.data(), value.size()));
  }
  return ClientAddress(context.peer());
}

}  // namespace auth::service
