// CallerPeer, ClientAddress: see caller.h.
#include "services/auth/rpc/caller.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

// A parsed IP address: IPv4 in the first 4 bytes; an IPv4-mapped IPv6 address is IPv4.
struct ParsedIp {
  bool ipv6 = false;
  std::array<uint8_t, 16> bytes{};
};

std::optional<ParsedIp> ParseIp(absl::string_view text) {
  const std::string host(text);
  ParsedIp ip;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    std::memcpy(ip.bytes.data(), &v4, sizeof(v4));
    return ip;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(ip.bytes.data(), &v6.s6_addr[12], 4);
    return ip;
  }
  ip.ipv6 = true;
  std::memcpy(ip.bytes.data(), &v6, sizeof(v6));
  return ip;
}

// One X-Forwarded-For entry as a plain address: "[v6]:port" and "v4:port" lose the brackets
// and the port; a bare IPv6 address (colons, no brackets) is kept whole.
std::string ForwardedEntryIp(absl::string_view entry) {
  entry = absl::StripAsciiWhitespace(entry);
  if (absl::StartsWith(entry, "[")) return std::string(StripPort(entry));
  if (std::count(entry.begin(), entry.end(), ':') == 1) return std::string(StripPort(entry));
  return std::string(entry);
}

// The process's trusted proxies: read on every call from a network peer, so a flag tells
// whether there are any before the lock is taken.
struct ProcessProxies {
  std::atomic<bool> any{false};
  std::mutex mu;  // not absl::Mutex: Debian's libabsl is not built for ThreadSanitizer
  std::shared_ptr<const TrustedProxies> proxies ABSL_GUARDED_BY(mu) =
      std::make_shared<const TrustedProxies>();
};

ProcessProxies& Proxies() {
  static ProcessProxies* const proxies = new ProcessProxies();  // never destroyed
  return *proxies;
}

// The process's trusted proxies, or null when there are none.
std::shared_ptr<const TrustedProxies> CurrentProxies() {
  ProcessProxies& process = Proxies();
  if (!process.any.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard<std::mutex> lock(process.mu);
  return process.proxies;
}

// The x-forwarded-for values of a call, in order.
std::vector<absl::string_view> ForwardedFor(
    const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata) {
  std::vector<absl::string_view> values;
  const auto [begin, end] = client_metadata.equal_range(kForwardedForMetadata);
  for (auto it = begin; it != end; ++it) values.emplace_back(it->second.data(), it->second.size());
  return values;
}

// The client IP a trusted proxy peer forwards for; nullopt when `peer` is not one.
std::optional<std::string> ProxiedClientIp(
    absl::string_view peer,
    const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata) {
  const std::shared_ptr<const TrustedProxies> proxies = CurrentProxies();
  if (proxies == nullptr) return std::nullopt;
  const std::string ip = PeerIp(peer);
  if (ip.empty() || !proxies->Contains(ip)) return std::nullopt;
  return proxies->ClientIp(ip, ForwardedFor(client_metadata));
}

}  // namespace

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& networks) {
  TrustedProxies proxies;
  for (const std::string& entry : networks) {
    const absl::string_view text = absl::StripAsciiWhitespace(entry);
    const size_t slash = text.find('/');
    const std::optional<ParsedIp> ip = ParseIp(text.substr(0, slash));
    const int max_bits = ip.has_value() && ip->ipv6 ? 128 : 32;
    int bits = max_bits;
    if (!ip.has_value() ||
        (slash != absl::string_view::npos &&
         (!absl::SimpleAtoi(text.substr(slash + 1), &bits) || bits < 0 || bits > max_bits))) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a network (CIDR: 10.0.0.0/8, 2001:db8::/32, or an address): \"",
                       text.substr(0, 64), "\""));
    }
    proxies.networks_.push_back({.ipv6 = ip->ipv6, .bytes = ip->bytes, .prefix_bits = bits});
  }
  return proxies;
}

bool TrustedProxies::Contains(absl::string_view ip) const {
  const std::optional<ParsedIp> parsed = ParseIp(ip);
  if (!parsed.has_value()) return false;
  for (const Network& network : networks_) {
    if (network.ipv6 != parsed->ipv6) continue;
    const int whole_bytes = network.prefix_bits / 8;
    const int rest_bits = network.prefix_bits % 8;
    if (std::memcmp(network.bytes.data(), parsed->bytes.data(), whole_bytes) != 0) continue;
    if (rest_bits != 0) {
      const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest_bits));
      if ((network.bytes[whole_bytes] & mask) != (parsed->bytes[whole_bytes] & mask)) continue;
    }
    return true;
  }
  return false;
}

std::string TrustedProxies::ClientIp(absl::string_view peer_ip,
                                     const std::vector<absl::string_view>& forwarded_for) const {
  if (!Contains(peer_ip)) return std::string(peer_ip);
  std::vector<std::string> entries;
  for (absl::string_view value : forwarded_for) {
    for (absl::string_view entry : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      entries.push_back(ForwardedEntryIp(entry));
    }
  }
  if (entries.empty()) return std::string(peer_ip);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (!Contains(*it)) return Truncated(*it);
  }
  return Truncated(entries.front());
}

void SetTrustedProxies(TrustedProxies proxies) {
  ProcessProxies& process = Proxies();
  std::lock_guard<std::mutex> lock(process.mu);
  process.any.store(!proxies.empty(), std::memory_order_release);
  process.proxies = std::make_shared<const TrustedProxies>(std::move(proxies));
}

bool IsTrustedProxy(absl::string_view ip) {
  const std::shared_ptr<const TrustedProxies> proxies = CurrentProxies();
  return proxies != nullptr && proxies->Contains(ip);
}

std::string ForwardedClientIp(absl::string_view peer_ip,
                              const std::vector<absl::string_view>& forwarded_for) {
  const std::shared_ptr<const TrustedProxies> proxies = CurrentProxies();
  if (proxies == nullptr) return std::string(peer_ip);
  return proxies->ClientIp(peer_ip, forwarded_for);
}

std::string PeerIp(absl::string_view peer) {
  std::string host;
  if (absl::ConsumePrefix(&peer, "ipv4:") || absl::ConsumePrefix(&peer, "ipv6:")) {
    host = std::string(StripPort(PercentDecoded(peer)));
  }
  const size_t zone = host.find('%');
  if (zone != std::string::npos) host.resize(zone);
  return ParseIp(host).has_value() ? host : "";
}

std::string CallerPeer(absl::string_view peer,
                       const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata) {
  if (peer != kInProcessPeer) {
    std::optional<std::string> client = ProxiedClientIp(peer, client_metadata);
    return client.has_value() ? *std::move(client) : std::string(peer);
  }
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
  if (std::optional<std::string> client = ProxiedClientIp(context.peer(), metadata)) {
    return AddressKey(*client);
  }
  return ClientAddress(context.peer());
}

}  // namespace auth::service
