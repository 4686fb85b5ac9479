// SplitEndpoints and CanonicalEndpointOrder: the endpoint list of ConnectionPoolOptions.
#include "libs/mysql/connection_pool_options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace auth::mysql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SplitEndpointsTest, SplitsTrimsAndDropsEmptyItems) {
  EXPECT_THAT(SplitEndpoints("tcp://a:1, tcp://b:2 ,,tcp://c:3"),
              ElementsAre("tcp://a:1", "tcp://b:2", "tcp://c:3"));
  EXPECT_THAT(SplitEndpoints("unix:///run/mysqld/mysqld.sock"),
              ElementsAre("unix:///run/mysqld/mysqld.sock"));
  EXPECT_THAT(SplitEndpoints(" , "), IsEmpty());
}

TEST(CanonicalEndpointOrderTest, EveryOrderGivesTheSameList) {
  EXPECT_EQ(CanonicalEndpointOrder("tcp://b:2,tcp://c:3,tcp://a:1"),
            "tcp://a:1,tcp://b:2,tcp://c:3");
  EXPECT_EQ(CanonicalEndpointOrder("tcp://c:3, tcp://a:1,tcp://b:2"),
            "tcp://a:1,tcp://b:2,tcp://c:3");
  EXPECT_EQ(CanonicalEndpointOrder("unix:///s.sock"), "unix:///s.sock");
}

}  // namespace
}  // namespace auth::mysql
