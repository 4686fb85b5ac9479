// Tests of CallerPeer: the forwarded HTTP address is believed only from the in-process channel.
#include "services/auth/caller_peer.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::service {
namespace {

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

TEST(CallerPeerTest, InProcessCallsCountAgainstTheForwardedHttpPeer) {
  const Metadata metadata = {{kHttpPeerMetadata, "ipv4:203.0.113.7:4242"}};
  EXPECT_EQ(CallerPeer(kInProcessPeer, metadata), "ipv4:203.0.113.7:4242");
}

TEST(CallerPeerTest, NetworkCallersCannotForgeTheirAddress) {
  const Metadata metadata = {{kHttpPeerMetadata, "ipv4:203.0.113.7:4242"}};
  EXPECT_EQ(CallerPeer("ipv4:198.51.100.1:5000", metadata), "ipv4:198.51.100.1:5000");
  EXPECT_EQ(CallerPeer("unix:/tmp/s", metadata), "unix:/tmp/s");
}

TEST(CallerPeerTest, InProcessCallsWithoutOneForwardedPeerStayInProcess) {
  EXPECT_EQ(CallerPeer(kInProcessPeer, Metadata{}), kInProcessPeer);
  const Metadata twice = {{kHttpPeerMetadata, "ipv4:203.0.113.7:1"},
                          {kHttpPeerMetadata, "ipv4:203.0.113.8:1"}};
  EXPECT_EQ(CallerPeer(kInProcessPeer, twice), kInProcessPeer);
}

}  // namespace
}  // namespace auth::service
