#include "tools/loadgen/target.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::loadgen {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;

TEST(CheckLoopbackTargetTest, AcceptsLoopback) {
  EXPECT_THAT(CheckLoopbackTarget("127.0.0.1:50051"), IsOk());
  EXPECT_THAT(CheckLoopbackTarget("127.1.2.3:1"), IsOk());
  EXPECT_THAT(CheckLoopbackTarget("localhost:50051"), IsOk());
  EXPECT_THAT(CheckLoopbackTarget("LocalHost:50051"), IsOk());
  EXPECT_THAT(CheckLoopbackTarget("[::1]:50051"), IsOk());
  EXPECT_THAT(CheckLoopbackTarget("ipv4:127.0.0.1:80"), IsOk());
  EXPECT_THAT(CheckLoopbackTarget("ipv6:[::1]:80"), IsOk());
  EXPECT_THAT(CheckLoopbackTarget("dns:///localhost:80"), IsOk());
}

TEST(CheckLoopbackTargetTest, RefusesEverythingElse) {
  for (const char* target :
       {"10.0.0.1:50051", "192.168.1.1:50051", "8.8.8.8:53", "128.0.0.1:1", "0.0.0.0:50051",
        "[::]:50051", "[2001:db8::1]:443", "example.com:443", "localhost.example.com:1",
        "unix:/tmp/socket", "dns:///example.com:443"}) {
    EXPECT_THAT(CheckLoopbackTarget(target), StatusIs(absl::StatusCode::kInvalidArgument))
        << target;
  }
}

TEST(CheckLoopbackTargetTest, RefusesMalformedTargets) {
  for (const char* target : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000",
                             "127.0.0.1:port", "::1:50051", "[::1]50051", "[::1", ""}) {
    EXPECT_THAT(CheckLoopbackTarget(target), StatusIs(absl::StatusCode::kInvalidArgument))
        << target;
  }
}

}  // namespace
}  // namespace auth::loadgen
