// Tests of CallerPeer (the forwarded HTTP address is believed only from the in-process channel)
// and ClientAddress (the normalised limit key).
#include "services/auth/rpc/caller.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::service {
namespace {

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

TEST(CallerPeerTest, InProcessCallsCountAgainstTheForwardedHttpPeer) {
  const Metadata metadata = {{kClientAddressMetadata, "203.0.113.7"}};
  EXPECT_EQ(CallerPeer(kInProcessPeer, metadata), "203.0.113.7");
}

TEST(CallerPeerTest, NetworkCallersCannotForgeTheirAddress) {
  const Metadata metadata = {{kClientAddressMetadata, "203.0.113.7"}};
  EXPECT_EQ(CallerPeer("ipv4:198.51.100.1:5000", metadata), "ipv4:198.51.100.1:5000");
  EXPECT_EQ(CallerPeer("unix:/tmp/s", metadata), "unix:/tmp/s");
}

TEST(CallerPeerTest, InProcessCallsWithoutOneForwardedPeerStayInProcess) {
  EXPECT_EQ(CallerPeer(kInProcessPeer, Metadata{}), kInProcessPeer);
  const Metadata twice = {{kClientAddressMetadata, "203.0.113.7"},
                          {kClientAddressMetadata, "203.0.113.8"}};
  EXPECT_EQ(CallerPeer(kInProcessPeer, twice), kInProcessPeer);
}

TEST(ClientAddressTest, StripsThePortFromIpv4) {
  EXPECT_EQ(ClientAddress("ipv4:203.0.113.7:51234"), "203.0.113.7");
  EXPECT_EQ(ClientAddress("ipv4:127.0.0.1:1"), "127.0.0.1");
}

// The peers as Debian's gRPC 1.51 reports them (grpc::ServerContext::peer()): an IPv6 host is
// percent-encoded, "[" and "]" as %5B and %5D, a zone's "%" as %25.
TEST(ClientAddressTest, GroupsIpv6AsGrpcReportsItByItsSlash64) {
  EXPECT_EQ(ClientAddress("ipv6:%5B2001:db8::1%5D:443"), "2001:db8::/64");
  EXPECT_EQ(ClientAddress("ipv6:%5B2001:db8:1:2:3:4:5:6%5D:443"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientAddress("ipv6:%5B::1%5D:50051"), "::/64");
  // Hex digits of the escapes in either case.
  EXPECT_EQ(ClientAddress("ipv6:%5b2001:DB8:1:2::7%5d:9"), "2001:db8:1:2::/64");
  // Two hosts of one /64 share a key; another /64 does not.
  EXPECT_EQ(ClientAddress("ipv6:%5B2001:db8:1:2::99%5D:1"),
            ClientAddress("ipv6:%5B2001:db8:1:2::1%5D:2"));
  EXPECT_NE(ClientAddress("ipv6:%5B2001:db8:1:3::1%5D:1"),
            ClientAddress("ipv6:%5B2001:db8:1:2::1%5D:1"));
}

TEST(ClientAddressTest, DropsTheZoneId) {
  EXPECT_EQ(ClientAddress("ipv6:%5Bfe80::1%25eth0%5D:443"), "fe80::/64");
  EXPECT_EQ(ClientAddress("ipv6:%5Bfe80::1%252%5D:443"), "fe80::/64");
  EXPECT_EQ(ClientAddress("ipv6:%5Bfe80::1%5D:443"), "fe80::/64");
}

TEST(ClientAddressTest, ReadsUnencodedIpv6Too) {
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8:1:2:3:4:5:6]:443"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientAddress("ipv6:[fe80::1%eth0]:7"), "fe80::/64");
}

TEST(ClientAddressTest, Ipv4MappedIpv6IsTheIpv4Address) {
  EXPECT_EQ(ClientAddress("ipv6:%5B::ffff:198.51.100.4%5D:9"), "198.51.100.4");
  EXPECT_EQ(ClientAddress("ipv6:[::ffff:198.51.100.4]:9"), "198.51.100.4");
  EXPECT_EQ(ClientAddress("ipv6:%5B::ffff:198.51.100.4%5D:9"),
            ClientAddress("ipv4:198.51.100.4:1"));
}

TEST(ClientAddressTest, OddPeersStillGetABoundedKey) {
  EXPECT_EQ(ClientAddress("unix:/tmp/auth.sock"), "unix");
  EXPECT_EQ(ClientAddress("unix:%2Ftmp%2Fauth.sock"), "unix");
  EXPECT_EQ(ClientAddress("unix-abstract:x"), "unix");
  EXPECT_EQ(ClientAddress(""), "unknown");
  EXPECT_EQ(ClientAddress("ipv6:"), "unknown");
  EXPECT_EQ(ClientAddress("ipv6:%5B%5D:1"), "unknown");
  EXPECT_EQ(ClientAddress("ipv4:"), "unknown");
  EXPECT_EQ(ClientAddress("ipv4:not-an-address:1"), "not-an-address");
  EXPECT_EQ(ClientAddress("ipv6:%5Bgarbage%5D:1"), "garbage");
  EXPECT_EQ(ClientAddress("ipv6:%zz"), "unknown");
  EXPECT_EQ(ClientAddress("something-else").size(), 14u);
  EXPECT_EQ(ClientAddress(std::string(1000, 'x')).size(), 128u);
  EXPECT_EQ(ClientAddress("ipv6:%5B" + std::string(1000, 'x') + "%5D:1").size(), 128u);
}

TEST(AddressKeyTest, KeysPlainAddressesAsClientAddressKeysPeers) {
  EXPECT_EQ(AddressKey("203.0.113.7"), ClientAddress("ipv4:203.0.113.7:1"));
  EXPECT_EQ(AddressKey("2001:db8:1:2::99"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressKey("2001:db8:1:2::99"), ClientAddress("ipv6:%5B2001:db8:1:2::1%5D:2"));
  EXPECT_EQ(AddressKey("::ffff:198.51.100.4"), "198.51.100.4");
  EXPECT_EQ(AddressKey("fe80::1%eth0"), "fe80::/64");
  EXPECT_EQ(AddressKey(""), "unknown");
  EXPECT_EQ(AddressKey("not-an-address"), "not-an-address");
  EXPECT_EQ(AddressKey(std::string(1000, 'x')).size(), 128u);
}

TrustedProxies Proxies(const std::vector<std::string>& networks) {
  absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse(networks);
  EXPECT_TRUE(proxies.ok()) << proxies.status();
  return proxies.ok() ? *std::move(proxies) : TrustedProxies();
}

TEST(TrustedProxiesTest, ParsesIpv4AndIpv6NetworksAndRefusesAnythingElse) {
  const TrustedProxies proxies = Proxies({"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1"});
  EXPECT_TRUE(proxies.Contains("10.200.3.4"));
  EXPECT_TRUE(proxies.Contains("192.0.2.7"));
  EXPECT_FALSE(proxies.Contains("192.0.2.8"));
  EXPECT_FALSE(proxies.Contains("11.0.0.1"));
  EXPECT_TRUE(proxies.Contains("2001:db8:ffff::1"));
  EXPECT_FALSE(proxies.Contains("2001:db9::1"));
  EXPECT_TRUE(proxies.Contains("::1"));
  EXPECT_TRUE(proxies.Contains("::ffff:10.1.2.3"));  // IPv4-mapped: its IPv4 address
  EXPECT_FALSE(proxies.Contains("not-an-ip"));
  EXPECT_TRUE(Proxies({"172.16.0.0/12"}).Contains("172.31.255.255"));
  EXPECT_FALSE(Proxies({"172.16.0.0/12"}).Contains("172.32.0.0"));
  EXPECT_TRUE(Proxies({"0.0.0.0/0"}).Contains("8.8.8.8"));
  for (const std::string bad : {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/x",
                                "example.com", "", "10.0.0/8"}) {
    EXPECT_FALSE(TrustedProxies::Parse({bad}).ok()) << bad;
  }
  EXPECT_TRUE(TrustedProxies().empty());
}

TEST(TrustedProxiesTest, TheClientIsTheRightmostUntrustedForwardedEntry) {
  const TrustedProxies proxies = Proxies({"127.0.0.1", "10.0.0.0/8"});
  // The client wrote "1.1.1.1" itself; the trusted proxy appended what it saw.
  EXPECT_EQ(proxies.ClientIp("127.0.0.1", {"1.1.1.1, 203.0.113.7"}), "203.0.113.7");
  // Through two trusted hops (10.0.0.5 forwarded to 127.0.0.1).
  EXPECT_EQ(proxies.ClientIp("127.0.0.1", {"1.1.1.1, 203.0.113.7", "10.0.0.5"}), "203.0.113.7");
  // Ports and brackets are dropped; IPv6 stays whole (the limits key it by its /64).
  EXPECT_EQ(proxies.ClientIp("127.0.0.1", {"203.0.113.7:5000"}), "203.0.113.7");
  EXPECT_EQ(proxies.ClientIp("127.0.0.1", {"[2001:db8::1]:443"}), "2001:db8::1");
  EXPECT_EQ(proxies.ClientIp("127.0.0.1", {"2001:db8::1"}), "2001:db8::1");
  // Every entry trusted: the leftmost; none: the proxy itself.
  EXPECT_EQ(proxies.ClientIp("127.0.0.1", {"10.0.0.9, 10.0.0.5"}), "10.0.0.9");
  EXPECT_EQ(proxies.ClientIp("127.0.0.1", {}), "127.0.0.1");
  EXPECT_EQ(proxies.ClientIp("127.0.0.1", {" , "}), "127.0.0.1");
  // A peer that is not trusted is the client, whatever it claims.
  EXPECT_EQ(proxies.ClientIp("198.51.100.1", {"203.0.113.7"}), "198.51.100.1");
  // Garbage from a trusted proxy still gets a bounded key of its own.
  EXPECT_EQ(proxies.ClientIp("127.0.0.1", {std::string(300, 'x')}), std::string(128, 'x'));
}

TEST(TrustedProxiesTest, GrpcCallersAreBelievedOnlyFromATrustedPeer) {
  const Metadata forwarded = {{kForwardedForMetadata, "1.1.1.1, 203.0.113.7"}};
  SetTrustedProxies(TrustedProxies());
  EXPECT_EQ(CallerPeer("ipv4:127.0.0.1:5000", forwarded), "ipv4:127.0.0.1:5000");
  SetTrustedProxies(Proxies({"127.0.0.1", "::1"}));
  EXPECT_EQ(CallerPeer("ipv4:127.0.0.1:5000", forwarded), "203.0.113.7");
  EXPECT_EQ(CallerPeer("ipv6:%5B::1%5D:5000", forwarded), "203.0.113.7");
  EXPECT_EQ(CallerPeer("ipv4:127.0.0.2:5000", forwarded), "ipv4:127.0.0.2:5000");
  EXPECT_EQ(CallerPeer("unix:/tmp/s", forwarded), "unix:/tmp/s");
  EXPECT_EQ(ForwardedClientIp("127.0.0.1", {"203.0.113.9"}), "203.0.113.9");
  EXPECT_EQ(ForwardedClientIp("127.0.0.2", {"203.0.113.9"}), "127.0.0.2");
  SetTrustedProxies(TrustedProxies());
  EXPECT_EQ(ForwardedClientIp("127.0.0.1", {"203.0.113.9"}), "127.0.0.1");
}

TEST(PeerIpTest, IsThePlainAddressOfANetworkPeer) {
  EXPECT_EQ(PeerIp("ipv4:203.0.113.7:1"), "203.0.113.7");
  EXPECT_EQ(PeerIp("ipv6:%5B2001:db8::1%5D:443"), "2001:db8::1");
  EXPECT_EQ(PeerIp("ipv6:%5Bfe80::1%25eth0%5D:443"), "fe80::1");
  EXPECT_EQ(PeerIp("unix:/tmp/s"), "");
  EXPECT_EQ(PeerIp(kInProcessPeer), "");
}

}  // namespace
}  // namespace auth::service
