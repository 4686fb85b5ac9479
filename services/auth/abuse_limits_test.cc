// Unit tests of the abuse-limit keys: address normalisation, limits per config, retry-after.
#include "services/auth/abuse_limits.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::service {
namespace {

using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

TEST(ClientAddressTest, StripsThePortFromIpv4) {
  EXPECT_EQ(ClientAddress("ipv4:203.0.113.7:51234"), "203.0.113.7");
  EXPECT_EQ(ClientAddress("ipv4:127.0.0.1:1"), "127.0.0.1");
}

TEST(ClientAddressTest, GroupsIpv6ByItsSlash64) {
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8:1:2:3:4:5:6]:443"), "2001:db8:1:2::/64");
  // Two hosts of one /64 share a key; another /64 does not.
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8:1:2::99]:1"), ClientAddress("ipv6:[2001:db8:1:2::1]:2"));
  EXPECT_NE(ClientAddress("ipv6:[2001:db8:1:3::1]:1"), ClientAddress("ipv6:[2001:db8:1:2::1]:1"));
  EXPECT_EQ(ClientAddress("ipv6:[::1]:50051"), "::/64");
  // A zone does not make another client.
  EXPECT_EQ(ClientAddress("ipv6:[fe80::1%25eth0]:7"), "fe80::/64");
}

TEST(ClientAddressTest, Ipv4MappedIpv6IsTheIpv4Address) {
  EXPECT_EQ(ClientAddress("ipv6:[::ffff:198.51.100.4]:9"), "198.51.100.4");
}

TEST(ClientAddressTest, OddPeersStillGetABoundedKey) {
  EXPECT_EQ(ClientAddress("unix:/tmp/auth.sock"), "unix");
  EXPECT_EQ(ClientAddress("unix-abstract:x"), "unix");
  EXPECT_EQ(ClientAddress(""), "unknown");
  EXPECT_EQ(ClientAddress("ipv4:not-an-address:1"), "not-an-address");
  EXPECT_EQ(ClientAddress("ipv6:[garbage]:1"), "garbage");
  EXPECT_EQ(ClientAddress("something-else").size(), 14u);
  EXPECT_EQ(ClientAddress(std::string(1000, 'x')).size(), 128u);
}

TEST(LoginLimitsTest, CountsAgainstAccountAndAddress) {
  AbuseLimitsConfig config;
  EXPECT_THAT(
      LoginLimits(config, 42, "203.0.113.7"),
      ElementsAre(AllOf(Field(&repository::AttemptLimit::key, "login-account:42"),
                        Field(&repository::AttemptLimit::max_attempts, 5),
                        Field(&repository::AttemptLimit::window, absl::Minutes(15))),
                  AllOf(Field(&repository::AttemptLimit::key, "login-address:203.0.113.7"),
                        Field(&repository::AttemptLimit::max_attempts, 50))));
  EXPECT_THAT(LoginResetKeys(config, 42), ElementsAre("login-account:42"));
  EXPECT_THAT(LoginRefundKeys(config, "203.0.113.7"), ElementsAre("login-address:203.0.113.7"));
}

TEST(LoginLimitsTest, UnknownAccountsCountAgainstTheAddressOnly) {
  AbuseLimitsConfig config;
  EXPECT_THAT(LoginLimits(config, 0, "a"),
              ElementsAre(Field(&repository::AttemptLimit::key, "login-address:a")));
  EXPECT_THAT(LoginResetKeys(config, 0), IsEmpty());
}

TEST(LoginLimitsTest, ZeroTurnsALimitOff) {
  AbuseLimitsConfig config;
  config.login_failures_per_account = 0;
  EXPECT_THAT(LoginLimits(config, 42, "a"),
              ElementsAre(Field(&repository::AttemptLimit::key, "login-address:a")));
  EXPECT_THAT(LoginResetKeys(config, 42), IsEmpty());
  config.login_failures_per_address = 0;
  EXPECT_THAT(LoginLimits(config, 42, "a"), IsEmpty());
  EXPECT_THAT(LoginRefundKeys(config, "a"), IsEmpty());
  config.registrations_per_address = 0;
  EXPECT_THAT(RegisterLimits(config, "a"), IsEmpty());
}

TEST(RegisterLimitsTest, CountsAgainstTheAddress) {
  AbuseLimitsConfig config;
  EXPECT_THAT(RegisterLimits(config, "a"),
              ElementsAre(AllOf(Field(&repository::AttemptLimit::key, "register-address:a"),
                                Field(&repository::AttemptLimit::max_attempts, 20),
                                Field(&repository::AttemptLimit::window, absl::Hours(1)))));
}

TEST(ValidateAbuseLimitsTest, RejectsNegativeMaximaAndEmptyWindows) {
  AbuseLimitsConfig config;
  EXPECT_THAT(ValidateAbuseLimits(config), IsOk());
  config.login_failures_per_account = -1;
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.login_failures_per_address = -1;
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.registrations_per_address = -1;
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.login_window = absl::ZeroDuration();
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.register_window = absl::Seconds(-1);
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RetryAfterSecondsTest, RoundsUpToAtLeastOneSecond) {
  EXPECT_EQ(RetryAfterSeconds(absl::Seconds(90)), "90");
  EXPECT_EQ(RetryAfterSeconds(absl::Milliseconds(89100)), "90");
  EXPECT_EQ(RetryAfterSeconds(absl::Milliseconds(1)), "1");
  EXPECT_EQ(RetryAfterSeconds(absl::ZeroDuration()), "1");
}

}  // namespace
}  // namespace auth::service
